import { requireGame } from "../../platform/auth/access.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import type { PrismaClient } from "../../platform/db/client.ts";
import type { EventRow } from "../../platform/realtime/channels.ts";
import type { Prisma } from "../../generated/prisma/client.ts";

/** Which delivered events a caller may see: as a database filter, and the same rule in memory. */
export interface EventVisibility {
  /** For reads (listing, the subscription's replay). */
  where: Prisma.EventWhereInput;
  /** For live events, never a query per event. */
  visible(e: EventRow): boolean;
}

/**
 * The one rule for who sees which events, used by `events` (the list) and by the `events`
 * subscription (replay and live): an event reaches a game when the game sent it, is one of its
 * recipients, or it is a broadcast. The admin sees every event; a developer those of its games;
 * a game or a player those of its game; `gameId` narrows to one game the caller may read.
 * Broadcasts reach everyone signed in, a developer without games included.
 */
export async function eventVisibility(
  prisma: PrismaClient,
  p: Principal,
  gameId: string | null | undefined,
): Promise<EventVisibility> {
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
    case "player":
      return [p.gameId];
    default:
      return [];
  }
}
