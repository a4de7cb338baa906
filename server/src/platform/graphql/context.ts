import type { Principal } from "../auth/principal.ts";
import type { ByteBudget } from "../realtime/bounded-queue.ts";
import type { ReplayGate } from "../realtime/event-stream.ts";
import type { DirectSink } from "../realtime/fanout.ts";
import type { LiveOptions } from "../realtime/live-stream.ts";
import type { Services } from "../services.ts";
import type { Loaders } from "./loaders.ts";

/** The live connection a subscription runs on (a WebSocket today). */
export interface Connection {
  /** Ends the connection of a client that reads too slowly (4010). */
  closeSlowConsumer(reason: string): void;
  /** Runs one replay read when the connection has a slot free. */
  replayGate: ReplayGate;
  /** Bytes all the connection's subscriptions may have waiting together (MAX_CONNECTION_QUEUE_BYTES). */
  queueBudget: ByteBudget;
}

/** The close reason a slow consumer reads: it resumes where it was. */
export const SLOW_CONSUMER_REASON = "Slow consumer: resubscribe with since = the last seq you received";

/** What every resolver sees. Built per HTTP request, or per subscription on a connection (pipeline.ts). */
export interface Context {
  requestId: string;
  principal: Principal;
  services: Services;
  /** Batch loaders for field resolvers (batching only, no cache). */
  loaders: Loaders;
  /** Over WebSocket: closes the connection (slow consumers). Absent over HTTP. */
  connection?: Connection;
  /**
   * Over WebSocket, in a subscription: sends this subscription's payloads straight to the
   * socket. A source whose payloads depend only on the item and the operation may hand its
   * live items to a Fanout with it (fanout.ts) rather than yield each one.
   */
  sink?: DirectSink<unknown>;
}

/** Closes the connection of a consumer that fell too far behind: it resumes with `since`. */
export function closeSlowConsumer(ctx: Context): void {
  ctx.connection?.closeSlowConsumer(SLOW_CONSUMER_REASON);
}

/**
 * How a subscription's live items wait for its consumer: at most SUBSCRIPTION_BUFFER_SIZE of
 * them, and over WebSocket within the connection's queue budget; past either, the connection
 * is closed as a slow consumer (4010).
 */
export function subscriptionQueue<T>(ctx: Context): LiveOptions<T> {
  return {
    capacity: ctx.services.config.subscriptionBufferSize,
    onOverflow: () => closeSlowConsumer(ctx),
    budget: ctx.connection?.queueBudget,
  };
}
