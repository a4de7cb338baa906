import { useState } from "react";
import { useQuery, useSubscription, type CombinedError, type UseSubscriptionState } from "urql";
import {
  EventsDocument,
  EventsPageDocument,
  LatestEventSeqDocument,
  type EventsSubscription,
} from "@multiverse/sdk/documents";

/** One event as the `events` query and subscription give it. */
export type LiveEvent = EventsSubscription["events"];

/**
 * Which events a view follows: the `events` filters (null leaves one out). `roomId`: events
 * sent to that room; `playerId`: events the player sent or could see; `gameId`: the game's.
 */
export interface EventFilter {
  gameId: string | null;
  roomId: string | null;
  playerId: string | null;
}

/** The newest events of a filter as first read, and where the live stream picks up after them. */
interface Ready {
  state: "ready";
  /** The seq the live stream starts after: nothing published since the read is missed. */
  since: string;
  /** The newest events, newest first. */
  initial: LiveEvent[];
  /** Whether the log holds older events of the filter. */
  olderExist: boolean;
}

/** The newest events of a filter, once read. */
export type LatestEvents = { state: "loading" } | { state: "error"; error: CombinedError } | Ready;

/**
 * The newest `count` events of `filter`, then where to go live without a gap: where the log ends
 * is read first, then the newest page; the stream replays from the later of the two (commit
 * order is seq order, so nothing published in between is missed or shown twice). The first
 * answer is kept: a refetch (urql refetches queries holding events after a publishEvent) must
 * not move where the stream started.
 */
export function useLatestEvents(filter: EventFilter, count: number): LatestEvents {
  const [first, setFirst] = useState<Ready | null>(null);
  const [end] = useQuery({ query: LatestEventSeqDocument, requestPolicy: "network-only" });
  const [page] = useQuery({
    query: EventsPageDocument,
    variables: { ...filter, last: count },
    requestPolicy: "network-only",
    pause: !end.data || first !== null,
  });
  if (first) return first;
  const error = end.error ?? page.error;
  if (error) return { state: "error", error };
  if (!end.data || !page.data) return { state: "loading" };
  const lastSeq = BigInt(end.data.eventLog.lastSeq);
  const pageEnd = BigInt(page.data.events.pageInfo.endCursor ?? "0");
  const ready: Ready = {
    state: "ready",
    since: String(lastSeq > pageEnd ? lastSeq : pageEnd),
    initial: [...page.data.events.nodes].reverse(),
    olderExist: page.data.events.pageInfo.hasPreviousPage,
  };
  setFirst(ready);
  return ready;
}

/**
 * `filter`'s events after `since`, live from the `events` subscription, newest first on top of
 * `initial`; at most `keep` are kept (older ones drop off the end). `data` is undefined until
 * the first live event: show `initial` meanwhile.
 */
export function useLiveEvents(
  filter: EventFilter,
  since: string,
  initial: LiveEvent[],
  keep: number,
): UseSubscriptionState<LiveEvent[]> {
  const [live] = useSubscription(
    { query: EventsDocument, variables: { ...filter, since } },
    (previous: LiveEvent[] = initial, data: EventsSubscription) => [data.events, ...previous].slice(0, keep),
  );
  return live;
}
