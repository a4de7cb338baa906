import type { Unsubscribe } from "./bus.ts";

/** Called when a handler throws: the other handlers still run, and nothing escapes. */
export type HandlerErrorReporter = (err: unknown, channel: string) => void;

/** Subscribes and unsubscribes one channel at the backend (Redis, or nothing in memory). */
export interface ChannelBackend {
  /** Resolves once the backend confirmed the subscription (or is known to be away). */
  listen(channel: string): Promise<void>;
  unlisten(channel: string): Promise<void>;
}

interface Entry {
  handlers: Set<(message: string) => void>;
  /** The backend's confirmation, which every subscriber of the channel waits for. */
  ready: Promise<void>;
}

/**
 * The local subscribers of each channel, for both buses: one backend subscription per channel,
 * however many handlers. Every `add` resolves only once the backend has confirmed the
 * channel, the second subscriber as much as the first (a subscriber that reads a snapshot after
 * subscribing relies on it). `dispatch` runs each handler on its own: one that throws neither
 * stops the others nor escapes.
 */
export class ChannelHandlers {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly backend: ChannelBackend,
    private readonly onError: HandlerErrorReporter,
  ) {}

  async add(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    let entry = this.#entries.get(channel);
    if (!entry) {
      entry = { handlers: new Set(), ready: this.backend.listen(channel) };
      this.#entries.set(channel, entry);
    }
    const own = (m: string) => handler(m);
    entry.handlers.add(own);
    await entry.ready;
    const held = entry;
    return async () => {
      held.handlers.delete(own);
      if (held.handlers.size === 0 && this.#entries.get(channel) === held) {
        this.#entries.delete(channel);
        await this.backend.unlisten(channel);
      }
    };
  }

  dispatch(channel: string, message: string): void {
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
