/** Thrown by a queue's iterator when its consumer fell more than `capacity` items behind. */
export class QueueOverflowError extends Error {
  override name = "QueueOverflowError";
}

/**
 * Bytes that several queues may hold together (a connection's subscriptions: its
 * `MAX_CONNECTION_QUEUE_BYTES`), so a client with many stalled subscriptions is bounded as a
 * whole, not each subscription on its own.
 */
export class ByteBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes`, or nothing and false when that would pass the limit. */
  take(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used -= bytes;
  }
}

export interface BoundedQueueOptions<T> {
  /** Ends the iteration (as `close`) when aborted. */
  signal?: AbortSignal;
  /** Called once, at the moment the queue overflows (the consumer may be stuck for good). */
  onOverflow?: () => void;
  /** Bytes shared with other queues; an item that does not fit overflows the queue. */
  budget?: ByteBudget;
  /** An item's size against `budget` (about what it takes in memory and on the wire). */
  weigh?: (item: T) => number;
}

/**
 * A queue between a producer that must never wait (a bus handler) and one async consumer.
 * Holds at most `capacity` items, and with a budget at most what the budget has left; one more
 * ends the iteration with a QueueOverflowError and drops everything, so a slow consumer never
 * makes memory grow. What it holds is given back to the budget as items are taken or dropped.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  /** Each waiting item's weight against the budget (with a budget only). */
  readonly #weights: number[] = [];
  #wake: (() => void) | undefined;
  #failure: Error | undefined;
  #closed = false;

  constructor(
    readonly capacity: number,
    private readonly options: BoundedQueueOptions<T> = {},
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
    if (this.#items.length >= this.capacity) return this.#overflow(`more than ${this.capacity} items waiting`);
    const { budget, weigh } = this.options;
    if (budget) {
      const weight = weigh ? weigh(item) : 0;
      if (!budget.take(weight)) return this.#overflow(`more than ${budget.limit} bytes waiting on the connection`);
      this.#weights.push(weight);
    }
    this.#items.push(item);
    this.#wake?.();
    return true;
  }

  #overflow(why: string): false {
    this.fail(new QueueOverflowError(why));
    this.options.onOverflow?.();
    return false;
  }

  /** The next item, its weight given back. */
  #shift(): T | undefined {
    const item = this.#items.shift();
    if (item !== undefined && this.options.budget) this.options.budget.give(this.#weights.shift()!);
    return item;
  }

  /**
   * The next waiting item, without waiting: undefined when none waits. Throws the queue's
   * failure (QueueOverflowError) as the iteration would.
   */
  take(): T | undefined {
    if (this.#failure) throw this.#failure;
    return this.#shift();
  }

  /** Ends the iteration with `error` after dropping what is waiting. */
  fail(error: Error): void {
    this.#failure ??= error;
    this.drop();
    this.#wake?.();
  }

  /** Drops what is waiting (the consumer left), giving its weight back. */
  drop(): void {
    this.#items.length = 0;
    this.options.budget?.give(this.#weights.reduce((a, b) => a + b, 0));
    this.#weights.length = 0;
  }

  /** Ends the iteration once what is waiting has been taken. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      const item = this.#shift();
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
