import { BoundedQueue, type ByteBudget } from "./bounded-queue.ts";
import type { DirectSink, Fanout } from "./fanout.ts";

/** What a waiting item weighs against a budget when its stream gives no `weigh`: a small message (a tick, a presence change). */
const MESSAGE_WEIGHT = 256;

/** Stops a listener; may be async (a bus channel is given back). */
export type StopListening = () => unknown;

export interface LiveOptions<T> {
  /** Items that may wait for a slow consumer before the stream fails (QueueOverflowError). */
  capacity: number;
  /** Called when the consumer falls `capacity` behind, or past `budget` (close its connection). */
  onOverflow?: () => void;
  /** Bytes the waiting items may hold together with the connection's other subscriptions'. */
  budget?: ByteBudget | undefined;
  /** An item's weight against `budget` (by default, that of a small message: 256 bytes). */
  weigh?: (item: T) => number;
}

/**
 * A subscription's source, in one place: what `listen` hands over goes through a bounded queue
 * to one consumer, and everything is given back the moment the consumer leaves. `listen` runs
 * when the consumer first asks (inside the stream, so its `finally` always stops it) and is
 * awaited before `body` starts: a body that reads a snapshot after that misses no change.
 * `body` turns the live items into what the stream yields (by default, the items themselves).
 */
export function liveStream<T, R = T>(
  listen: (push: (item: T) => void) => StopListening | Promise<StopListening>,
  options: LiveOptions<T>,
  body: (live: BoundedQueue<T>, signal: AbortSignal) => AsyncIterable<R> = (live) => live as AsyncIterable<R>,
): AsyncIterableIterator<R> {
  return stoppable(async function* (signal) {
    const { capacity, onOverflow, budget, weigh = () => MESSAGE_WEIGHT } = options;
    const queue = new BoundedQueue<T>(capacity, { signal, onOverflow, budget, weigh });
    const stop = await listen((item) => void queue.push(item));
    try {
      yield* body(queue, signal);
    } finally {
      queue.close();
      queue.drop();
      await stop();
    }
  });
}

/** Resolves once `signal` is aborted (the consumer left). */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Where a caught-up subscriber goes: a fan-out, and the sink that sends to its connection. */
export interface HandOver<T> {
  fanout: Fanout<T>;
  sink: DirectSink<T>;
}

/**
 * The end of a shared stream: yields what waits in `live` (what `accepts` takes), then hands the
 * subscriber to the fan-out and yields nothing more until the consumer leaves. The consumer has
 * sent each yielded item by the time it asks for the next, so once nothing waits the fan-out can
 * take over in order: `live` is closed (what is pushed from then on is dropped), and the fan-out,
 * already listening to the same source, sends from the next item on. `accepts` also tracks what
 * the subscriber had (a seq, a version), so nothing goes out twice.
 */
export async function* handOver<T>(
  live: BoundedQueue<T>,
  signal: AbortSignal,
  to: HandOver<T>,
  accepts: (item: T) => boolean,
): AsyncGenerator<T> {
  for (let item = live.take(); item !== undefined; item = live.take()) if (accepts(item)) yield item;
  if (signal.aborted) return;
  live.close();
  const leave = to.fanout.join(to.sink, accepts);
  try {
    await untilAborted(signal);
  } finally {
    leave();
  }
}

/**
 * Makes a generator stop at once when its consumer leaves. An async generator waiting inside an
 * `await` (for the next live message) defers `return()` until its next `yield`, which on a quiet
 * channel may never come: its listeners, and a player's presence, would outlive the client.
 * This aborts `signal` first, which the generator's queue listens to, so the pending wait ends
 * and the `finally` blocks run now.
 */
function stoppable<T>(make: (signal: AbortSignal) => AsyncGenerator<T>): AsyncIterableIterator<T> {
  const controller = new AbortController();
  const gen = make(controller.signal);
  return {
    next: () => gen.next(),
    return: (value?: unknown) => {
      controller.abort();
      return gen.return(value as T);
    },
    throw: (err?: unknown) => {
      controller.abort();
      return gen.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
