// Builds the demo's world on a server through the SDK, as game developers would: the admin
// registers each game, the game (with its API key) opens its realms and rooms and creates its
// players, and each bot connects as its player with a token the game issues.
import { createMultiverseClient, type MultiverseClient, type Player } from "@multiverse/sdk";
import type { Print } from "./output.ts";
import type { Tally } from "./tally.ts";
import { PLAYER_EVENT_TYPES, WORLD, type GamePlan } from "./world.ts";

/** A room of a demo game. */
export interface DemoRoom {
  id: string;
  name: string;
}

/** A bot: its player and a client that acts as that player (its token). */
export interface DemoBot {
  player: Player;
  client: MultiverseClient;
  /** Where it goes first. */
  startRoom: DemoRoom;
}

/** A demo game on the server: its plan, its server's client (its API key), rooms and bots. */
export interface DemoGame {
  plan: GamePlan;
  client: MultiverseClient;
  rooms: DemoRoom[];
  bots: DemoBot[];
}

/** The world as built: the games, the admin's client, and names for the ids events carry. */
export interface DemoWorld {
  admin: MultiverseClient;
  games: DemoGame[];
  roomName(id: string): string;
  playerName(id: string): string;
  /** One line: what the world holds. */
  describe(): string;
  /** Closes every client (the subscriptions end). */
  close(): Promise<void>;
}

/** What every bot and game server of a run shares. */
export interface DemoRun {
  world: DemoWorld;
  tally: Tally;
  print: Print;
  /** Aborted when the demo stops: every loop ends. */
  signal: AbortSignal;
  seed: number;
}

/** A player token that is renewed a minute before it expires (PLAYER_TOKEN_TTL_SECONDS). */
function playerCredential(game: MultiverseClient, playerId: string): () => Promise<string> {
  let current: { token: string; expiresAt: number } | undefined;
  return async () => {
    if (!current || current.expiresAt - Date.now() < 60_000) {
      const issued = await game.issuePlayerToken({ playerId });
      current = { token: issued.token, expiresAt: Date.parse(issued.expiresAt) };
    }
    return current.token;
  };
}

async function buildGame(url: string, admin: MultiverseClient, plan: GamePlan): Promise<DemoGame> {
  const [first, ...more] = plan.realms;
  if (!first) throw new Error(`the demo game ${plan.id} has no realm`);
  const { game, apiKey } = await admin.registerGame({
    id: plan.id,
    name: plan.name,
    developerName: plan.developerName,
    description: plan.description,
    tickEvery: plan.tickEvery,
    playerEventTypes: PLAYER_EVENT_TYPES,
    realm: { name: first.name, realmType: first.realmType, adjacency: first.adjacency, resonance: first.resonance },
  });
  const client = createMultiverseClient({ url, apiKey });
  const realms = [game.realms[0]!];
  for (const { rooms: _rooms, ...realm } of more) realms.push(await client.createRealm(realm));
  const rooms: DemoRoom[] = [];
  for (const [i, realmPlan] of plan.realms.entries()) {
    for (const name of realmPlan.rooms) {
      const room = await client.createRoom({
        realmId: realms[i]!.id,
        name,
        description: `${realmPlan.name}, ${plan.name}`,
      });
      rooms.push({ id: room.id, name: room.name });
    }
  }
  const bots = await Promise.all(
    plan.bots.map(async (displayName, i) => {
      const externalId = displayName.toLowerCase().replace(/\W+/g, "-");
      const player = await client.upsertPlayer({ externalId, displayName });
      return {
        player,
        client: createMultiverseClient({ url, token: playerCredential(client, player.id) }),
        // Two bots in each of the first two rooms: everyone has someone to talk to.
        startRoom: rooms[i % Math.min(2, rooms.length)]!,
      };
    }),
  );
  return { plan, client, rooms, bots };
}

/** Registers the demo's games (WORLD) on the server at `url`, with the admin's token. */
export async function buildWorld(url: string, adminToken: string): Promise<DemoWorld> {
  const admin = createMultiverseClient({ url, adminToken });
  const games: DemoGame[] = [];
  for (const plan of WORLD) games.push(await buildGame(url, admin, plan));
  const rooms = new Map(games.flatMap((g) => g.rooms.map((r) => [r.id, r.name])));
  const players = new Map(games.flatMap((g) => g.bots.map((b) => [b.player.id, b.player.displayName])));
  return {
    admin,
    games,
    roomName: (id) => rooms.get(id) ?? id,
    playerName: (id) => players.get(id) ?? id,
    describe: () =>
      `${games.length} games (${games.map((g) => g.plan.id).join(", ")}), ${rooms.size} rooms, ${players.size} bots`,
    async close() {
      const clients = [admin, ...games.flatMap((g) => [g.client, ...g.bots.map((b) => b.client)])];
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}
