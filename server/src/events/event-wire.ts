import type { Prisma } from "../generated/prisma/client.ts";

export type EventRow = Prisma.EventGetPayload<object>;

type Wire = Omit<EventRow, "seq" | "tick" | "createdAt" | "deliveredAt"> & {
  seq: string | null;
  tick: string | null;
  createdAt: string;
  deliveredAt: string | null;
};

/** An event as JSON for the bus (bigints as decimal strings, dates as ISO strings). */
export function eventToWire(e: EventRow): string {
  const wire: Wire = {
    ...e,
    seq: e.seq?.toString() ?? null,
    tick: e.tick?.toString() ?? null,
    createdAt: e.createdAt.toISOString(),
    deliveredAt: e.deliveredAt?.toISOString() ?? null,
  };
  return JSON.stringify(wire);
}

export function eventFromWire(text: string): EventRow {
  const w = JSON.parse(text) as Wire;
  return {
    ...w,
    seq: w.seq === null ? null : BigInt(w.seq),
    tick: w.tick === null ? null : BigInt(w.tick),
    createdAt: new Date(w.createdAt),
    deliveredAt: w.deliveredAt === null ? null : new Date(w.deliveredAt),
  };
}

/** True when an event reaches game `gameId`: it sent it, is a recipient, or it is a broadcast. */
export const reachesGame = (e: EventRow, gameId: string): boolean =>
  e.broadcast || e.sourceGameId === gameId || e.recipientGameIds.includes(gameId);
