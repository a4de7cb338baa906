import type { PrismaClient } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { EventRow } from "../events/event-wire.ts";
import { BoundedQueue } from "./bounded-queue.ts";
import type { EventFeed } from "./event-feed.ts";
import { stoppable } from "./stoppable.ts";

const REPLAY_PAGE = 500;

export interface EventStreamOptions {
  /** Which events this subscriber may see, as a database filter (for the replay). */
  where: Prisma.EventWhereInput;
  /** The same rule in memory (for live events, never a query per event). */
  visible: (e: EventRow) => boolean;
  /** Replay every visible event with a greater seq first; null: live events only. */
  since: bigint | null;
  /** Live events that may wait for a slow consumer before the stream fails. */
  capacity: number;
  /** Called when the consumer falls `capacity` behind (close its connection). */
  onOverflow?: () => void;
}

/**
 * One subscriber's events: those after `since` from Postgres, then live ones from the feed,
 * in seq order, each once, with no gap in between. It listens to the feed before it reads, so
 * nothing committed meanwhile is missed; anything read and then heard again is skipped by seq.
 * Throws QueueOverflowError when the consumer falls `capacity` live events behind.
 */
export function eventStream(
  feed: EventFeed,
  prisma: PrismaClient,
  o: EventStreamOptions,
): AsyncIterableIterator<EventRow> {
  return stoppable((signal) => stream(feed, prisma, o, signal));
}

async function* stream(
  feed: EventFeed,
  prisma: PrismaClient,
  o: EventStreamOptions,
  signal: AbortSignal,
): AsyncGenerator<EventRow> {
  const queue = new BoundedQueue<EventRow>(o.capacity, { signal, onOverflow: o.onOverflow });
  const stop = feed.listen((e) => {
    if (o.visible(e)) queue.push(e);
  });
  try {
    let last = o.since ?? feed.last;
    if (o.since !== null) {
      for (;;) {
        const page = await prisma.event.findMany({
          where: { AND: [o.where, { seq: { gt: last } }] },
          orderBy: { seq: "asc" },
          take: REPLAY_PAGE,
        });
        for (const e of page) {
          last = e.seq!;
          yield e;
        }
        if (page.length < REPLAY_PAGE || signal.aborted) break;
      }
    }
    for await (const e of queue) {
      if (e.seq! <= last) continue;
      last = e.seq!;
      yield e;
    }
  } finally {
    stop();
    queue.close();
  }
}
