import { BoundedQueue } from "./bounded-queue.ts";

/** Stops a listener; may be async (a bus channel is given back). */
export type StopListening = () => unknown;

export interface LiveOptions {
  /** Items that may wait for a slow consumer before the stream fails (QueueOverflowError). */
  capacity: number;
  /** Called when the consumer falls `capacity` behind (close its connection). */
  onOverflow?: () => void;
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
  options: LiveOptions,
  body: (live: BoundedQueue<T>, signal: AbortSignal) => AsyncIterable<R> = (live) => live as AsyncIterable<R>,
): AsyncIterableIterator<R> {
  return stoppable(async function* (signal) {
    const queue = new BoundedQueue<T>(options.capacity, { signal, onOverflow: options.onOverflow });
    const stop = await listen((item) => void queue.push(item));
    try {
      yield* body(queue, signal);
    } finally {
      queue.close();
      await stop();
    }
  });
}

/** Resolves once `signal` is aborted (the consumer left). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
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
