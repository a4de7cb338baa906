import type { Principal } from "../../platform/auth/principal.ts";
import type { PrismaClient } from "../../platform/db/client.ts";
import { badInput } from "../../platform/errors/errors.ts";
import type { EventConnection } from "./event-connection.type.ts";
import { DEFAULT_EVENTS_PAGE, type EventsArgs } from "./events.args.ts";
import { eventVisibility } from "./visibility.ts";

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
  const { where } = await eventVisibility(prisma, p, args);
  const seq: { gt?: bigint; lt?: bigint } = {};
  if (isSet(args.after)) seq.gt = args.after;
  if (isSet(args.before)) seq.lt = args.before;
  const rows = await prisma.event.findMany({
    where: {
      ...where,
      ...(Object.keys(seq).length > 0 ? { seq } : {}),
      ...(args.type ? { type: args.type } : {}),
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
