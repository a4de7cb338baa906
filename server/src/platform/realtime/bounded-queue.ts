/** Thrown by a queue's iterator when its consumer fell more than `capacity` items behind. */
export class QueueOverflowError extends Error {
  override name = "QueueOverflowError";
}

export interface BoundedQueueOptions {
  /** Ends the iteration (as `close`) when aborted. */
  signal?: AbortSignal;
  /** Called once, at the moment the queue overflows (the consumer may be stuck for good). */
  onOverflow?: () => void;
}

/**
 * A queue between a producer that must never wait (a bus handler) and one async consumer.
 * Holds at most `capacity` items; one more ends the iteration with a QueueOverflowError and
 * drops everything, so a slow consumer never makes memory grow.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | undefined;
  #failure: Error | undefined;
  #closed = false;

  constructor(
    readonly capacity: number,
    private readonly options: BoundedQueueOptions = {},
  ) {
    options.signal?.addEventListener("abort", () => this.close(), { once: true });
    if (options.signal?.aborted) this.close();
  }

  get size(): number {
    return this.#items.length;
  }

  /** Adds an item; false (and the queue fails) when it was full. */
  push(item: T): boolean {
    if (this.#closed || this.#failure) return false;
    if (this.#items.length >= this.capacity) {
      this.fail(new QueueOverflowError(`more than ${this.capacity} items waiting`));
      this.options.onOverflow?.();
      return false;
    }
    this.#items.push(item);
    this.#wake?.();
    return true;
  }

  /**
   * The next waiting item, without waiting: undefined when none waits. Throws the queue's
   * failure (QueueOverflowError) as the iteration would.
   */
  take(): T | undefined {
    if (this.#failure) throw this.#failure;
    return this.#items.shift();
  }

  /** Ends the iteration with `error` after dropping what is waiting. */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#items.length = 0;
    this.#wake?.();
  }

  /** Ends the iteration once what is waiting has been taken. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}
