import { randomUUID } from "node:crypto";
import { generateKey, hashKey } from "../../platform/auth/keys.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import type { PrismaClient } from "../../platform/db/client.ts";
import { badInput, conflict, forbidden } from "../../platform/errors/errors.ts";
import { GroupCommit, type Outcome } from "../../platform/realtime/group-commit.ts";
import type { GameCard } from "../../platform/realtime/channels.ts";
import type { RegisterGameInput } from "./register-game.input.ts";

/** One registration as the statement inserts it. */
interface NewGame {
  id: string;
  name: string;
  /** The registering developer; null when an admin registers (the statement looks the name up). */
  developerId: string | null;
  developerName: string;
  description: string;
  tickEvery: number;
  playerEventTypes: string[];
  apiKeyHash: string;
  realm: { id: string; name: string; realmType: string; adjacency: string; resonance: string };
}

/** Most registrations one statement inserts. */
const MAX_BATCH = 500;
/**
 * Statements in flight at once (of the pool's DATABASE_POOL_SIZE, 10 by default): registrations need no order
 * among them, so a batch waits for a free statement rather than for the one before it to commit.
 */
const FLUSHES = 4;

/** The group commit of each Prisma client (one per server): concurrent registrations share a statement. */
const batches = new WeakMap<PrismaClient, GroupCommit<NewGame, GameCard>>();

/** Whose name the game is registered under: a developer's own, or the one an admin gives. */
function owner(p: Principal, developerName: string | null | undefined): { developerId: string | null; name: string } {
  developerName = developerName?.trim();
  if (p.kind === "developer") {
    if (developerName && developerName !== p.name) {
      throw forbidden(`A developer registers games under its own name ("${p.name}")`);
    }
    return { developerId: p.developerId, name: p.name };
  }
  if (!developerName) throw badInput("developerName is required when an admin registers a game", "developerName");
  return { developerId: null, name: developerName };
}

/**
 * Registers a game with its first realm, both or neither. Returns the game and its API key,
 * which is not stored (only its SHA-256 is) and cannot be shown again. A taken id (by any game,
 * unregistered ones included) is a CONFLICT that changes nothing.
 *
 * Concurrent registrations are committed together (group commit): ONE statement per batch
 * inserts the games, their realms and, for an admin's, looks up the developer of that name,
 * so a registration costs a share of one round trip and one commit.
 */
export async function registerGame(
  prisma: PrismaClient,
  p: Principal,
  input: RegisterGameInput,
): Promise<{ game: GameCard; apiKey: string }> {
  const who = owner(p, input.developerName);
  const apiKey = generateKey("game");
  let batch = batches.get(prisma);
  if (!batch) {
    batch = new GroupCommit<NewGame, GameCard>({
      flush: (games) => flush(prisma, games),
      maxWeight: MAX_BATCH,
      concurrency: FLUSHES,
    });
    batches.set(prisma, batch);
  }
  const game = await batch.submit({
    id: input.id,
    name: input.name.trim(),
    developerId: who.developerId,
    developerName: who.name,
    description: input.description ?? "",
    tickEvery: input.tickEvery ?? 1,
    playerEventTypes: distinctTypes(input.playerEventTypes),
    apiKeyHash: hashKey(apiKey),
    realm: {
      id: randomUUID(),
      name: input.realm.name.trim(),
      realmType: input.realm.realmType,
      adjacency: input.realm.adjacency,
      resonance: input.realm.resonance,
    },
  });
  return { game, apiKey };
}

/**
 * Commits one batch. A taken id fails only its own registration (CONFLICT). Any other failure
 * of the statement (a row Postgres refuses) retries the batch one registration at a time, so
 * that one fails alone.
 */
async function flush(prisma: PrismaClient, games: NewGame[]): Promise<Outcome<GameCard>[]> {
  try {
    return await insert(prisma, games);
  } catch (error) {
    if (games.length === 1) return [{ ok: false, error }];
  }
  const outcomes: Outcome<GameCard>[] = [];
  for (const g of games) {
    try {
      outcomes.push(...(await insert(prisma, [g])));
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}

/**
 * Inserts `games` and their realms in ONE statement. `ON CONFLICT (id) DO NOTHING` skips a taken
 * id (taken before, or earlier in the same batch: the first one wins) with its realm, and the
 * games_version trigger moves only when a game was added. Rows are matched back by key hash.
 */
async function insert(prisma: PrismaClient, games: NewGame[]): Promise<Outcome<GameCard>[]> {
  const rows = await prisma.$queryRaw<(GameCard & { apiKeyHash: string })[]>`
    WITH v AS (
      SELECT * FROM unnest(${games.map((g) => g.id)}::text[], ${games.map((g) => g.name)}::text[],
                           ${games.map((g) => g.developerId)}::uuid[], ${games.map((g) => g.developerName)}::text[],
                           ${games.map((g) => g.description)}::text[], ${games.map((g) => g.tickEvery)}::int[],
                           ${games.map((g) => g.apiKeyHash)}::text[], ${games.map((g) => g.realm.id)}::uuid[],
                           ${games.map((g) => JSON.stringify(g.playerEventTypes))}::text[],
                           ${games.map((g) => g.realm.name)}::text[], ${games.map((g) => g.realm.realmType)}::text[],
                           ${games.map((g) => g.realm.adjacency)}::text[], ${games.map((g) => g.realm.resonance)}::text[])
             WITH ORDINALITY AS v(id, name, developer_id, developer_name, description, tick_every, api_key_hash,
                                  realm_id, player_event_types, realm_name, realm_type, adjacency, resonance, ord)),
    g AS (
      INSERT INTO games (id, name, developer_id, developer_name, description, tick_every, api_key_hash,
                         player_event_types)
      SELECT v.id, v.name, COALESCE(v.developer_id, d.id), v.developer_name, v.description, v.tick_every, v.api_key_hash,
             ARRAY(SELECT jsonb_array_elements_text(v.player_event_types::jsonb))
        FROM v LEFT JOIN developers d ON v.developer_id IS NULL AND d.name = v.developer_name
       ORDER BY v.ord
      ON CONFLICT (id) DO NOTHING
      RETURNING *),
    r AS (
      INSERT INTO realms (id, game_id, name, realm_type, adjacency, resonance)
      SELECT v.realm_id, g.id, v.realm_name, v.realm_type, v.adjacency, v.resonance
        FROM g JOIN v ON v.api_key_hash = g.api_key_hash)
    SELECT id, name, developer_id AS "developerId", developer_name AS "developerName", description,
           status::text AS status, tick_every AS "tickEvery", registered_at AS "registeredAt",
           last_heartbeat_at AS "lastHeartbeatAt", quotas, version, stale_since AS "staleSince",
           player_event_types AS "playerEventTypes", tick_barrier AS "tickBarrier", api_key_hash AS "apiKeyHash"
      FROM g`;
  const byHash = new Map(rows.map(({ apiKeyHash, ...game }) => [apiKeyHash, game]));
  return games.map((g): Outcome<GameCard> => {
    const game = byHash.get(g.apiKeyHash);
    return game ? { ok: true, value: game } : { ok: false, error: taken(g.id) };
  });
}

/** A list of event types without repeats, in the order given (none when not given). */
export function distinctTypes(types: string[] | null | undefined): string[] {
  return [...new Set(types ?? [])];
}

const taken = (id: string) => conflict(`The game id "${id}" is taken: choose another`);
