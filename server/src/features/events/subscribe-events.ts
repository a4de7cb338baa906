import { subscriptionQueue, type Context } from "../../platform/graphql/context.ts";
import { apiError, badInput, ErrorCode } from "../../platform/errors/errors.ts";
import { eventStream } from "../../platform/realtime/event-stream.ts";
import type { EventRow } from "../../platform/realtime/channels.ts";
import type { DirectSink } from "../../platform/realtime/fanout.ts";
import { eventVisibility, type EventFilter } from "./visibility.ts";

/**
 * The `events` subscription: replays what the caller may see after `since`, then goes live.
 * A `since` older than what retention kept is refused (EVENTS_EXPIRED) rather than skipped.
 */
export async function subscribeEvents(
  ctx: Context,
  args: EventFilter & { since?: bigint | null },
): Promise<AsyncIterable<EventRow>> {
  const { prisma, realtime } = ctx.services;
  const { since } = args;
  const visibility = await eventVisibility(prisma, ctx.principal, args);
  if (since !== undefined && since !== null) {
    const state = await realtime.log.head();
    if (since < 0n) throw badInput("since must be 0 or a seq you received", "since");
    if (since > state.lastSeq) throw badInput(`since is ahead of the log: the last seq is ${state.lastSeq}`, "since");
    if (since < state.prunedSeq) {
      throw apiError(
        ErrorCode.BadUserInput,
        `Events up to seq ${state.prunedSeq} are no longer kept (EVENT_RETENTION_HOURS): resubscribe without since, or with since >= ${state.prunedSeq}`,
        { reason: "EVENTS_EXPIRED", field: "since", prunedSeq: state.prunedSeq.toString() },
      );
    }
  }
  const connection = ctx.connection;
  return eventStream(realtime.feed, realtime.log, {
    ...visibility,
    // The connection's turn first, then the node's: a connection waiting for its own slot holds none of the node's.
    gate: (read) => (connection ? connection.replayGate(() => realtime.replayGate(read)) : realtime.replayGate(read)),
    since: since ?? null,
    ...subscriptionQueue<EventRow>(ctx),
    // An Event's fields read nothing but the event itself (no principal, no loader), so every
    // subscriber with the same operation gets the same payload: live events are rendered once
    // per group and sent to each (visibility is still decided per subscriber, above).
    ...(ctx.sink ? { direct: { fanout: realtime.eventFanout, sink: ctx.sink as DirectSink<EventRow> } } : {}),
  });
}
