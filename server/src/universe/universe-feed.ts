import { BoundedQueue } from "../realtime/bounded-queue.ts";
import { stoppable } from "../realtime/stoppable.ts";
import type { Services } from "../services.ts";
import { readUniverse } from "./read-universe.ts";
import type { Universe } from "./universe.type.ts";

/**
 * The universe subscription's source on one node: while anyone watches, it reads the universe
 * once per `intervalMs` and hands the same answer to every watcher (one read, not one each).
 */
export class UniverseFeed {
  readonly #queues = new Set<BoundedQueue<Universe>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly services: () => Services,
    private readonly intervalMs = 1000,
  ) {}

  /** `onOverflow`: the watcher fell 16 readings behind (close its connection). */
  subscribe(onOverflow?: () => void): AsyncIterable<Universe> {
    return stoppable((signal) => this.#stream(signal, onOverflow));
  }

  /** Registers inside the generator, so its `finally` always takes the watcher out again. */
  async *#stream(signal: AbortSignal, onOverflow?: () => void): AsyncGenerator<Universe> {
    const queue = new BoundedQueue<Universe>(16, { signal, onOverflow });
    this.#queues.add(queue);
    this.#timer ??= setInterval(() => void this.#read(), this.intervalMs);
    void this.#read(queue);
    try {
      yield* queue;
    } finally {
      this.#queues.delete(queue);
      if (this.#queues.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    for (const q of this.#queues) q.close();
    this.#queues.clear();
  }

  async #read(only?: BoundedQueue<Universe>): Promise<void> {
    try {
      const u = await readUniverse(this.services());
      for (const q of only ? [only] : this.#queues) q.push(u);
    } catch (err) {
      this.services().logger.warn({ err }, "universe: could not be read");
    }
  }
}
