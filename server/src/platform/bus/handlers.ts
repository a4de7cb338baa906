import type { Unsubscribe } from "./bus.ts";

/** Called when a handler throws: the other handlers still run, and nothing escapes. */
export type HandlerErrorReporter = (err: unknown, channel: string) => void;

/** Subscribes and unsubscribes one channel at the backend (Redis, or nothing in memory). */
export interface ChannelBackend {
  /** Resolves once the backend confirmed the subscription (or is known to be away). */
  listen(channel: string): Promise<void>;
  unlisten(channel: string): Promise<void>;
}

interface Entry<M> {
  handlers: Set<(message: M) => void>;
  /** The backend's confirmation, which every subscriber of the channel waits for. */
  ready: Promise<void>;
}

/**
 * The local subscribers of each channel, for both buses (messages are strings) and for typed
 * channels over them (decoded messages): one backend subscription per channel, however many
 * handlers. Every `add` resolves only once the backend has confirmed the
 * channel, the second subscriber as much as the first (a subscriber that reads a snapshot after
 * subscribing relies on it). `dispatch` runs each handler on its own: one that throws neither
 * stops the others nor escapes.
 */
export class ChannelHandlers<M = string> {
  readonly #entries = new Map<string, Entry<M>>();

  constructor(
    private readonly backend: ChannelBackend,
    private readonly onError: HandlerErrorReporter,
  ) {}

  async add(channel: string, handler: (message: M) => void): Promise<Unsubscribe> {
    let entry = this.#entries.get(channel);
    if (!entry) {
      entry = { handlers: new Set(), ready: this.backend.listen(channel) };
      this.#entries.set(channel, entry);
    }
    const own = (m: M) => handler(m);
    entry.handlers.add(own);
    const held = entry;
    const remove = async () => {
      held.handlers.delete(own);
      if (held.handlers.size === 0 && this.#entries.get(channel) === held) {
        this.#entries.delete(channel);
        await this.backend.unlisten(channel);
      }
    };
    try {
      await entry.ready;
    } catch (err) {
      await remove().catch(() => undefined);
      throw err;
    }
    return remove;
  }

  /** Whether `channel` has handlers (a message for none need not be decoded). */
  has(channel: string): boolean {
    return this.#entries.has(channel);
  }

  dispatch(channel: string, message: M): void {
    const entry = this.#entries.get(channel);
    if (!entry) return;
    for (const handler of [...entry.handlers]) {
      try {
        handler(message);
      } catch (err) {
        this.onError(err, channel);
      }
    }
  }

  /** The channels with at least one handler. */
  channels(): string[] {
    return [...this.#entries.keys()];
  }

  clear(): void {
    this.#entries.clear();
  }
}
