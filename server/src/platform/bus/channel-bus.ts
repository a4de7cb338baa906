import type { Bus, Unsubscribe } from "./bus.ts";
import type { HandlerErrorReporter } from "./handlers.ts";

/** One bus channel: its name and how its payload travels. Defined once, by its owner. */
export interface Channel<T> {
  readonly name: string;
  encode(value: T): string;
  /** Throws on a message that is not a `T`; the bus then drops it (and says so). */
  decode(text: string): T;
}

/** A channel whose payload is plain JSON (no dates, no bigints). */
export function jsonChannel<T>(name: string, check?: (value: unknown) => T): Channel<T> {
  return {
    name,
    encode: (value) => JSON.stringify(value),
    decode: (text) => {
      const value: unknown = JSON.parse(text);
      return check ? check(value) : (value as T);
    },
  };
}

interface Listeners {
  handlers: Set<(value: unknown) => void>;
  subscribed: Promise<Unsubscribe>;
}

/**
 * Typed channels over the bus, as server code uses them. A node subscribes to a channel name
 * once, however many local listeners it has, and decodes each message once for all of them.
 * Listeners are isolated: one that throws is reported, and the others still run.
 */
export class ChannelBus {
  readonly #listeners = new Map<string, Listeners>();

  constructor(
    readonly bus: Bus,
    private readonly onError: HandlerErrorReporter,
  ) {}

  publish<T>(channel: Channel<T>, value: T): Promise<void> {
    return this.bus.publish(channel.name, channel.encode(value));
  }

  /** Calls `handler` with each message of `channel`; resolves once the bus confirmed the channel. */
  async subscribe<T>(channel: Channel<T>, handler: (value: T) => void): Promise<Unsubscribe> {
    let entry = this.#listeners.get(channel.name);
    if (!entry) {
      const handlers = new Set<(value: unknown) => void>();
      entry = {
        handlers,
        subscribed: this.bus.subscribe(channel.name, (text) => this.#dispatch(channel, handlers, text)),
      };
      this.#listeners.set(channel.name, entry);
    }
    const own = (value: unknown) => handler(value as T);
    entry.handlers.add(own);
    try {
      await entry.subscribed;
    } catch (err) {
      entry.handlers.delete(own);
      if (this.#listeners.get(channel.name) === entry && entry.handlers.size === 0)
        this.#listeners.delete(channel.name);
      throw err;
    }
    const held = entry;
    return async () => {
      held.handlers.delete(own);
      if (held.handlers.size === 0 && this.#listeners.get(channel.name) === held) {
        this.#listeners.delete(channel.name);
        await (
          await held.subscribed
        )();
      }
    };
  }

  #dispatch<T>(channel: Channel<T>, handlers: Set<(value: unknown) => void>, text: string): void {
    let value: T;
    try {
      value = channel.decode(text);
    } catch (err) {
      this.onError(new Error(`undecodable message dropped: ${(err as Error).message}`), channel.name);
      return;
    }
    for (const handler of [...handlers]) {
      try {
        handler(value);
      } catch (err) {
        this.onError(err, channel.name);
      }
    }
  }
}
