import type { Prisma } from "../../generated/prisma/client.ts";
import type { EventRow } from "./channels.ts";
import type { EventFeed } from "./event-feed.ts";
import type { EventLog } from "./event-log.ts";
import { handOver, liveStream, type HandOver, type LiveOptions } from "./live-stream.ts";

/** A replay page: at most this many events, and at most this many bytes of their data. */
const REPLAY_PAGE = 500;
const REPLAY_PAGE_BYTES = 1024 * 1024;

/** Each event's weight against a connection's queue budget, worked out once per node (the feed shares its rows). */
const weights = new WeakMap<EventRow, number>();

/** About what an event takes waiting in a queue, and on the wire: its data's JSON, and the rest of the row. */
export function eventWeight(e: EventRow): number {
  let w = weights.get(e);
  if (w === undefined) weights.set(e, (w = 512 + (JSON.stringify(e.data)?.length ?? 0)));
  return w;
}

/** Runs one replay read when a slot is free (see EventStreamOptions.gate). */
export type ReplayGate = <T>(read: () => Promise<T>) => Promise<T>;

export interface EventStreamOptions extends Omit<LiveOptions<EventRow>, "weigh"> {
  /** Which events this subscriber may see, as a database filter (for the replay). */
  where: Prisma.EventWhereInput;
  /** The same rule in memory (for live events, never a query per event). */
  visible: (e: EventRow) => boolean;
  /** Replay every visible event with a greater seq first; null: live events only. */
  since: bigint | null;
  /** Where replay reads wait their turn (per connection, per node), so replays cannot take the pool. */
  gate?: ReplayGate;
  /**
   * Once caught up, the subscriber joins this node's fan-out with its sink and the stream yields
   * nothing more: live events go straight to the connection, rendered once per group of
   * subscribers with the same operation (see fanout.ts). Without it, every event is yielded.
   */
  direct?: HandOver<EventRow>;
}

/**
 * One subscriber's events: those after `since` from the log, then live ones from the feed, in
 * seq order, each once, with no gap in between. It listens to the feed before it reads, so
 * nothing committed meanwhile is missed; anything read and then heard again is skipped by seq.
 * Throws QueueOverflowError when the consumer falls `capacity` live events behind (while it
 * replays, or always without `direct`).
 */
export function eventStream(
  feed: EventFeed,
  log: Pick<EventLog, "replayPage">,
  o: EventStreamOptions,
): AsyncIterableIterator<EventRow> {
  return liveStream<EventRow>(
    (push) =>
      feed.listen((e) => {
        if (o.visible(e)) push(e);
      }),
    { capacity: o.capacity, onOverflow: o.onOverflow, budget: o.budget, weigh: eventWeight },
    async function* (live, signal) {
      let last = o.since ?? feed.last;
      if (o.since !== null) {
        for (;;) {
          const after = last;
          // A read that waited for its turn past its subscriber's leaving is not done at all.
          const read = async () =>
            signal.aborted
              ? { events: [], done: true }
              : log.replayPage(o.where, after, REPLAY_PAGE, REPLAY_PAGE_BYTES);
          const page = await (o.gate ? o.gate(read) : read());
          for (const e of page.events) {
            last = e.seq!;
            yield e;
          }
          if (page.done || signal.aborted) break;
        }
      }
      const fresh = (e: EventRow) => {
        if (e.seq! <= last || !o.visible(e)) return false;
        last = e.seq!;
        return true;
      };
      if (o.direct) {
        yield* handOver(live, signal, o.direct, fresh);
        return;
      }
      for await (const e of live) if (fresh(e)) yield e;
    },
  );
}
