import { generateKey, hashKey } from "../../platform/auth/keys.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import type { PrismaClient } from "../../platform/db/client.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { actingGameId, requireGame } from "../../platform/auth/access.ts";
import { badInput, conflict, forbidden, notFound } from "../../platform/errors/errors.ts";
import { UUID } from "../../platform/graphql/validators.ts";
import type { Services } from "../../platform/services.ts";
import type { RegisterGameInput } from "./register-game.input.ts";
import type { Game } from "./game.type.ts";

/** Whose name the game is registered under: a developer's own, or the one an admin gives. */
async function owner(
  prisma: PrismaClient,
  p: Principal,
  developerName: string | null | undefined,
): Promise<{ developerId: string | null; developerName: string }> {
  developerName = developerName?.trim();
  if (p.kind === "developer") {
    if (developerName && developerName !== p.name) {
      throw forbidden(`A developer registers games under its own name ("${p.name}")`);
    }
    return { developerId: p.developerId, developerName: p.name };
  }
  if (!developerName) throw badInput("developerName is required when an admin registers a game", "developerName");
  const dev = await prisma.developer.findUnique({ where: { name: developerName }, select: { id: true } });
  return { developerId: dev?.id ?? null, developerName };
}

/**
 * Registers a game with its first realm, in one transaction. Returns the game and its API
 * key, which is not stored and cannot be shown again.
 */
export async function registerGame(
  prisma: PrismaClient,
  p: Principal,
  input: RegisterGameInput,
): Promise<{ game: Game; apiKey: string }> {
  const who = await owner(prisma, p, input.developerName);
  const apiKey = generateKey("game");
  try {
    const game = await prisma.game.create({
      data: {
        id: input.id,
        name: input.name.trim(),
        ...who,
        description: input.description ?? "",
        tickEvery: input.tickEvery ?? 1,
        apiKeyHash: hashKey(apiKey),
        realms: {
          create: {
            name: input.realm.name.trim(),
            realmType: input.realm.realmType,
            adjacency: input.realm.adjacency,
            resonance: input.realm.resonance,
          },
        },
      },
    });
    return { game, apiKey };
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`The game id "${input.id}" is taken: choose another`);
    throw err;
  }
}

/**
 * The game server is alive, and vouches for `playerIds`: their `lastSeenAt` moves to now, and
 * they stay online until PRESENCE_TTL_SECONDS pass without a heartbeat naming them.
 */
export async function heartbeat(services: Services, principal: Principal, playerIds: string[]): Promise<Game> {
  const gameId = actingGameId(principal, null);
  const ids = [...new Set(playerIds)];
  if (ids.length > 1000) throw badInput("heartbeat takes at most 1000 playerIds at once", "playerIds");
  const bad = ids.find((id) => !UUID.test(id));
  if (bad !== undefined) throw badInput(`playerIds: "${bad}" is not a player id (a UUID)`, "playerIds");
  const now = new Date();
  const game = await services.prisma.$transaction(async (tx) => {
    await requireGame(tx, principal, gameId, "manage");
    if (ids.length > 0) {
      const { count } = await tx.player.updateMany({ where: { id: { in: ids }, gameId }, data: { lastSeenAt: now } });
      if (count !== ids.length) {
        const found = await tx.player.findMany({ where: { id: { in: ids }, gameId }, select: { id: true } });
        const known = new Set(found.map((f) => f.id));
        throw notFound("Player", ids.find((id) => !known.has(id)) ?? "");
      }
    }
    return tx.game.update({ where: { id: gameId }, data: { lastHeartbeatAt: now } });
  });
  // The game server vouches for these players: online until PRESENCE_TTL_SECONDS without one.
  await services.realtime.presence.heartbeat(gameId, ids);
  return game;
}
