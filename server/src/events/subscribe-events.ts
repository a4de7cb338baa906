import { closeSlowConsumer, type Context } from "../graphql/context.ts";
import { apiError, badInput, ErrorCode } from "../errors/errors.ts";
import { eventStream } from "../realtime/event-stream.ts";
import { reachesGame, type EventRow } from "./event-wire.ts";
import { involving, readableGames } from "./list-events.ts";

/**
 * The `events` subscription: replays what the caller may see after `since`, then goes live.
 * A `since` older than what retention kept is refused (EVENTS_EXPIRED) rather than skipped.
 */
export async function subscribeEvents(
  ctx: Context,
  { gameId, since }: { gameId?: string | null; since?: bigint | null },
): Promise<AsyncIterable<EventRow>> {
  const { prisma, realtime, config } = ctx.services;
  const games = await readableGames(prisma, ctx.principal, gameId);
  if (since !== undefined && since !== null) {
    const state = await prisma.universeState.findUniqueOrThrow({ where: { id: 1 } });
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
  return eventStream(realtime.feed, prisma, {
    where: { status: "DELIVERED", ...(games === "all" ? {} : involving(games)) },
    // Broadcasts reach everyone, a developer without games included (as in the replay).
    visible: games === "all" ? () => true : (e) => e.broadcast || games.some((g) => reachesGame(e, g)),
    since: since ?? null,
    capacity: config.subscriptionBufferSize,
    onOverflow: () => closeSlowConsumer(ctx),
  });
}
