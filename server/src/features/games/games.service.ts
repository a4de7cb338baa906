import { actingGameId, checkGame } from "../../platform/auth/access.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import { badInput, notFound } from "../../platform/errors/errors.ts";
import { UUID } from "../../platform/graphql/validators.ts";
import type { Services } from "../../platform/services.ts";
import type { Game } from "./game.type.ts";

/**
 * The game server is alive, and vouches for `playerIds`: their `lastSeenAt` moves to now, and
 * they stay online until PRESENCE_TTL_SECONDS pass without a heartbeat naming them. A game the
 * health chore marked stale is healthy again: the mark is cleared and HEALTHY reported.
 */
export async function heartbeat(services: Services, principal: Principal, playerIds: string[]): Promise<Game> {
  const gameId = actingGameId(principal, null);
  const ids = [...new Set(playerIds)];
  if (ids.length > 1000) throw badInput("heartbeat takes at most 1000 playerIds at once", "playerIds");
  const bad = ids.find((id) => !UUID.test(id));
  if (bad !== undefined) throw badInput(`playerIds: "${bad}" is not a player id (a UUID)`, "playerIds");
  const now = new Date();
  const { game, revived } = await services.prisma.$transaction(async (tx) => {
    const before = await tx.game.findUnique({
      where: { id: gameId },
      select: { id: true, developerId: true, status: true, staleSince: true },
    });
    checkGame(principal, before, "manage", { what: "Game", id: gameId });
    if (ids.length > 0) {
      const { count } = await tx.player.updateMany({ where: { id: { in: ids }, gameId }, data: { lastSeenAt: now } });
      if (count !== ids.length) {
        const found = await tx.player.findMany({ where: { id: { in: ids }, gameId }, select: { id: true } });
        const known = new Set(found.map((f) => f.id));
        throw notFound("Player", ids.find((id) => !known.has(id)) ?? "");
      }
    }
    // The update holds to the stale mark as read, so a mark the chore set since is not cleared
    // unreported: then it is cleared by a second statement, and reported (a mark another
    // heartbeat cleared meanwhile is reported twice, with one version: watchers keep one).
    const beat = { lastHeartbeatAt: now, staleSince: null };
    const [updated] = await tx.game.updateManyAndReturn({
      where: { id: gameId, staleSince: before.staleSince },
      data: beat,
    });
    if (updated) return { game: updated, revived: before.staleSince !== null };
    return { game: await tx.game.update({ where: { id: gameId }, data: beat }), revived: true };
  });
  // The game server vouches for these players: online until PRESENCE_TTL_SECONDS without one.
  await services.realtime.presence.heartbeat(gameId, ids);
  if (revived) await services.realtime.gameChanges.publish("HEALTHY", game);
  return game;
}

/** Whether a game whose last heartbeat was `last` is stale now (one that never sent any is not). */
export function isStale(last: Date | null, staleSeconds: number, now = Date.now()): boolean {
  return last !== null && now - last.getTime() > staleSeconds * 1000;
}
