/** What a flush says about one item: its value, or why it failed (the others are not affected). */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<T, R> {
  /**
   * Commits the items of one batch, in order; answers one outcome per item. It may throw: then
   * every item of the batch fails with that error.
   */
  flush: (items: T[]) => Promise<Outcome<R>[]>;
  /** How much an item weighs (e.g. its rows): a batch stops before `maxWeight`, default 1 each. */
  weight?: (item: T) => number;
  /** The most weight one batch takes (a heavier item still goes, alone). */
  maxWeight: number;
  /**
   * How many flushes may run at once, default 1: batches then commit one after another, in
   * submission order. More suits items that need no order among them: a batch waits only for a
   * free flush, not for the one before it, so a slow commit does not hold up the rest.
   */
  concurrency?: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers `submit` items; one flush runs at a time (or up to `concurrency`), and
 * takes everything that queued meanwhile (up to `maxWeight`), so concurrent callers share one
 * statement instead of queueing for one each. The first item of an idle queue is flushed at once
 * (no timer): under light load a caller waits for its own statement only. Items are flushed in
 * submission order (with `concurrency` 1, also committed in that order).
 */
export class GroupCommit<T, R> {
  readonly #queue: Waiting<T, R>[] = [];
  /** Flushes running. */
  #flushing = 0;

  constructor(private readonly o: GroupCommitOptions<T, R>) {}

  /** Queues `item`; settles once the batch that took it has committed (or failed). */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#flushing < (this.o.concurrency ?? 1)) void this.#drain();
    });
  }

  /** Items waiting for a flush (not counting the one running). */
  get waiting(): number {
    return this.#queue.length;
  }

  async #drain(): Promise<void> {
    this.#flushing++;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take();
        let outcomes: Outcome<R>[];
        try {
          outcomes = await this.o.flush(batch.map((w) => w.item));
        } catch (error) {
          outcomes = batch.map(() => ({ ok: false, error }));
        }
        batch.forEach((w, i) => {
          const o = outcomes[i] ?? { ok: false, error: new Error("group commit: a flush answered too few outcomes") };
          if (o.ok) w.resolve(o.value);
          else w.reject(o.error);
        });
      }
    } finally {
      this.#flushing--;
    }
  }

  #take(): Waiting<T, R>[] {
    const weight = this.o.weight ?? (() => 1);
    let total = 0;
    let n = 0;
    while (n < this.#queue.length) {
      const w = weight(this.#queue[n]!.item);
      if (n > 0 && total + w > this.o.maxWeight) break;
      total += w;
      n++;
    }
    return this.#queue.splice(0, n);
  }
}
