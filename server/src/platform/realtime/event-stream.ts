import type { Prisma } from "../../generated/prisma/client.ts";
import type { EventRow } from "./channels.ts";
import type { EventFeed } from "./event-feed.ts";
import type { EventLog } from "./event-log.ts";
import { liveStream, type LiveOptions } from "./live-stream.ts";

const REPLAY_PAGE = 500;

export interface EventStreamOptions extends LiveOptions {
  /** Which events this subscriber may see, as a database filter (for the replay). */
  where: Prisma.EventWhereInput;
  /** The same rule in memory (for live events, never a query per event). */
  visible: (e: EventRow) => boolean;
  /** Replay every visible event with a greater seq first; null: live events only. */
  since: bigint | null;
}

/**
 * One subscriber's events: those after `since` from the log, then live ones from the feed, in
 * seq order, each once, with no gap in between. It listens to the feed before it reads, so
 * nothing committed meanwhile is missed; anything read and then heard again is skipped by seq.
 * Throws QueueOverflowError when the consumer falls `capacity` live events behind.
 */
export function eventStream(
  feed: EventFeed,
  log: Pick<EventLog, "page">,
  o: EventStreamOptions,
): AsyncIterableIterator<EventRow> {
  return liveStream<EventRow>(
    (push) =>
      feed.listen((e) => {
        if (o.visible(e)) push(e);
      }),
    o,
    async function* (live, signal) {
      let last = o.since ?? feed.last;
      if (o.since !== null) {
        for (;;) {
          const page = await log.page(o.where, last, REPLAY_PAGE);
          for (const e of page) {
            last = e.seq!;
            yield e;
          }
          if (page.length < REPLAY_PAGE || signal.aborted) break;
        }
      }
      for await (const e of live) {
        if (e.seq! <= last) continue;
        last = e.seq!;
        yield e;
      }
    },
  );
}
