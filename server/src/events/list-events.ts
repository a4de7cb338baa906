import { requireGame } from "../auth/access.ts";
import type { Principal } from "../auth/principal.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { EventConnection } from "./event-connection.type.ts";
import type { EventsArgs } from "./events.args.ts";

/** The games whose events `p` reads: every game ("all") or a list. */
export async function readableGames(prisma: PrismaClient, p: Principal, gameId: string | null | undefined) {
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

/** An event reaches a game when the game sent it, is one of its recipients, or it is a broadcast. */
export function involving(gameIds: string[]): Prisma.EventWhereInput {
  return { OR: [{ sourceGameId: { in: gameIds } }, { recipientGameIds: { hasSome: gameIds } }, { broadcast: true }] };
}

/** Delivered events visible to `p`, in `seq` order after `args.after`. */
export async function listEvents(prisma: PrismaClient, p: Principal, args: EventsArgs): Promise<EventConnection> {
  const games = await readableGames(prisma, p, args.gameId);
  const rows = await prisma.event.findMany({
    where: {
      status: "DELIVERED",
      ...(args.after !== undefined && args.after !== null ? { seq: { gt: args.after } } : {}),
      ...(args.type ? { type: args.type } : {}),
      ...(games === "all" ? {} : involving(games)),
    },
    orderBy: { seq: "asc" },
    take: args.first + 1,
  });
  const nodes = rows.slice(0, args.first);
  const edges = nodes.map((node) => ({ cursor: node.seq ?? 0n, node }));
  return {
    edges,
    nodes,
    pageInfo: { endCursor: edges.at(-1)?.cursor ?? args.after ?? null, hasNextPage: rows.length > args.first },
  };
}
