/**
 * Makes a subscription's generator stop at once when its consumer leaves. An async generator
 * waiting inside an `await` (for the next live message) defers `return()` until its next
 * `yield`, which on a quiet channel may never come: its listeners, and a player's presence,
 * would outlive the client. This aborts `signal` first, which the generator's queue listens
 * to, so the pending wait ends and the `finally` blocks run now.
 */
export function stoppable<T>(make: (signal: AbortSignal) => AsyncGenerator<T>): AsyncIterableIterator<T> {
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
