import { requireGame } from "../../platform/auth/access.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import type { PrismaClient } from "../../platform/db/client.ts";
import type { EventRow } from "../../platform/realtime/channels.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { findPlayer } from "../players/players.service.ts";
import { requireRoom } from "../rooms/rooms.service.ts";

/** Which delivered events a caller may see: as a database filter, and the same rule in memory. */
export interface EventVisibility {
  /** For reads (listing, the subscription's replay). */
  where: Prisma.EventWhereInput;
  /** For live events, never a query per event. */
  visible(e: EventRow): boolean;
}

/** What a reader narrows events to (each needs private access to what it names). */
export interface EventFilter {
  /** Events that game sent or received, and broadcasts. */
  gameId?: string | null;
  /** Events sent to that room. */
  roomId?: string | null;
  /** Events that player sent or could see. */
  playerId?: string | null;
}

/**
 * The one rule for who sees which events, used by `events` (the list) and by the `events`
 * subscription (replay and live): an event reaches a game when the game sent it, is one of its
 * recipients, or it is a broadcast. The admin sees every event; a developer those of its games;
 * a game those of its game. A player sees the events whose audience it was in when they were
 * published: those sent to a room it was in, and to it (and those it whispered). Broadcasts
 * reach every signed-in caller but players, a developer without games included. `filter`
 * narrows to one game, room or player the caller may read.
 */
export async function eventVisibility(
  prisma: PrismaClient,
  p: Principal,
  filter: EventFilter = {},
): Promise<EventVisibility> {
  const base = await principalVisibility(prisma, p, filter.gameId);
  const narrowed = [base, ...(await filters(prisma, p, filter))];
  if (narrowed.length === 1) return base;
  return {
    where: { AND: narrowed.map((v) => v.where) },
    visible: (e) => narrowed.every((v) => v.visible(e)),
  };
}

async function principalVisibility(
  prisma: PrismaClient,
  p: Principal,
  gameId: string | null | undefined,
): Promise<EventVisibility> {
  if (p.kind === "player") {
    if (gameId) await requireGame(prisma, p, gameId, "private");
    const { playerId } = p;
    return {
      where: { status: "DELIVERED", audiencePlayerIds: { has: playerId } },
      visible: (e) => e.audiencePlayerIds.includes(playerId),
    };
  }
  const games = await readableGames(prisma, p, gameId);
  if (games === "all") return { where: { status: "DELIVERED" }, visible: () => true };
  return {
    where: {
      status: "DELIVERED",
      OR: [{ sourceGameId: { in: games } }, { recipientGameIds: { hasSome: games } }, { broadcast: true }],
    },
    visible: (e) => e.broadcast || games.some((g) => e.sourceGameId === g || e.recipientGameIds.includes(g)),
  };
}

/** The room and player narrowings of `filter`, once `p` was found to read them. */
async function filters(prisma: PrismaClient, p: Principal, filter: EventFilter): Promise<EventVisibility[]> {
  const out: EventVisibility[] = [];
  const { roomId, playerId } = filter;
  if (roomId) {
    await requireRoom(prisma, p, roomId, "private");
    out.push({ where: { targetRoomId: roomId }, visible: (e) => e.targetRoomId === roomId });
  }
  if (playerId) {
    const player = await findPlayer(prisma, playerId);
    await requireGame(prisma, p, player.gameId, "private", { what: "Player", id: playerId, seen: "private" });
    out.push({
      where: { OR: [{ sourcePlayerId: playerId }, { audiencePlayerIds: { has: playerId } }] },
      visible: (e) => e.sourcePlayerId === playerId || e.audiencePlayerIds.includes(playerId),
    });
  }
  return out;
}

/** The games whose events `p` reads: every game ("all") or a list. */
async function readableGames(prisma: PrismaClient, p: Principal, gameId: string | null | undefined) {
  if (gameId) {
    await requireGame(prisma, p, gameId, "private");
    return [gameId];
  }
  switch (p.kind) {
    case "admin":
      return "all" as const;
    case "developer": {
      const own = await prisma.game.findMany({ where: { developerId: p.developerId }, select: { id: true } });
      return own.map((g) => g.id);
    }
    case "game":
      return [p.gameId];
    default:
      return [];
  }
}
