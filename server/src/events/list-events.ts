import { requireGame } from "../auth/access.ts";
import type { Principal } from "../auth/principal.ts";
import type { PrismaClient } from "../db/client.ts";
import { badInput } from "../errors/errors.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { EventConnection } from "./event-connection.type.ts";
import { DEFAULT_EVENTS_PAGE, type EventsArgs } from "./events.args.ts";

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

/**
 * Delivered events visible to `p` between `args.after` and `args.before`, oldest first: the first
 * `first` of them, or the last `last` (read newest first, then turned around).
 */
export async function listEvents(prisma: PrismaClient, p: Principal, args: EventsArgs): Promise<EventConnection> {
  if (isSet(args.first) && isSet(args.last)) {
    throw badInput("Pass first (read forward) or last (read back), not both", "last");
  }
  const backward = isSet(args.last);
  const size = args.last ?? args.first ?? DEFAULT_EVENTS_PAGE;
  const games = await readableGames(prisma, p, args.gameId);
  const seq: { gt?: bigint; lt?: bigint } = {};
  if (isSet(args.after)) seq.gt = args.after;
  if (isSet(args.before)) seq.lt = args.before;
  const rows = await prisma.event.findMany({
    where: {
      status: "DELIVERED",
      ...(Object.keys(seq).length > 0 ? { seq } : {}),
      ...(args.type ? { type: args.type } : {}),
      ...(games === "all" ? {} : involving(games)),
    },
    orderBy: { seq: backward ? "desc" : "asc" },
    take: size + 1,
  });
  const more = rows.length > size;
  const page = rows.slice(0, size);
  const nodes = backward ? page.reverse() : page;
  const edges = nodes.map((node) => ({ cursor: node.seq ?? 0n, node }));
  return {
    edges,
    nodes,
    pageInfo: {
      startCursor: edges[0]?.cursor ?? args.before ?? null,
      endCursor: edges.at(-1)?.cursor ?? args.after ?? null,
      hasNextPage: !backward && more,
      hasPreviousPage: backward && more,
    },
  };
}

const isSet = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;
