import type { Logger } from "../observability/logger.ts";
import { liveStream } from "./live-stream.ts";

/** Readings a watcher may fall behind before its stream fails. */
const CAPACITY = 16;

interface Poll {
  read: () => Promise<unknown>;
  watchers: Set<(reading: unknown) => void>;
  timer: NodeJS.Timeout;
}

/**
 * Readings shared by every watcher of a key on this node: while anyone watches, `read` runs once
 * per `intervalMs` and every watcher gets the same answer (one read, not one each); a new
 * watcher gets a reading of its own at once. The `universe` subscription is one.
 */
export class SharedPolls {
  readonly #polls = new Map<string, Poll>();

  constructor(private readonly logger: Logger) {}

  /** `onOverflow`: the watcher fell 16 readings behind (close its connection). */
  watch<T>(key: string, intervalMs: number, read: () => Promise<T>, onOverflow?: () => void): AsyncIterableIterator<T> {
    return liveStream<T>(
      (push) => {
        let poll = this.#polls.get(key);
        if (!poll) {
          const created: Poll = {
            read,
            watchers: new Set(),
            timer: setInterval(() => void this.#read(key, created), intervalMs),
          };
          this.#polls.set(key, (poll = created));
        }
        const held = poll;
        const own = (reading: unknown) => push(reading as T);
        held.watchers.add(own);
        void this.#read(key, held, own);
        return () => {
          held.watchers.delete(own);
          if (held.watchers.size === 0 && this.#polls.get(key) === held) {
            clearInterval(held.timer);
            this.#polls.delete(key);
          }
        };
      },
      { capacity: CAPACITY, onOverflow },
    );
  }

  async #read(key: string, poll: Poll, only?: (reading: unknown) => void): Promise<void> {
    try {
      const reading = await poll.read();
      for (const watcher of only ? [only] : [...poll.watchers]) watcher(reading);
    } catch (err) {
      this.logger.warn({ err, key }, "shared poll: could not read");
    }
  }

  stop(): void {
    for (const poll of this.#polls.values()) clearInterval(poll.timer);
    this.#polls.clear();
  }
}
