import type { Bus, Unsubscribe } from "./bus.ts";
import { ChannelHandlers, type HandlerErrorReporter } from "./handlers.ts";

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

interface Subscribed {
  decode: (text: string) => unknown;
  stop?: Unsubscribe;
}

/**
 * Typed channels over the bus, as server code uses them. A node subscribes to a channel name
 * once, however many local listeners it has, and decodes each message once for all of them
 * (ChannelHandlers keeps the listeners, as it does for the buses' own subscribers). Listeners
 * are isolated: one that throws is reported, and the others still run.
 */
export class ChannelBus {
  readonly #handlers: ChannelHandlers<unknown>;
  /** Per subscribed channel name: its decoder, and how to give the bus subscription back. */
  readonly #subscribed = new Map<string, Subscribed>();

  constructor(
    readonly bus: Bus,
    private readonly onError: HandlerErrorReporter,
  ) {
    this.#handlers = new ChannelHandlers<unknown>(
      {
        listen: async (name) => {
          const entry = this.#subscribed.get(name);
          const stop = await this.bus.subscribe(name, (text) => this.#dispatch(entry, name, text));
          if (entry && this.#subscribed.get(name) === entry) entry.stop = stop;
          else await stop(); // given back while the bus was confirming it
        },
        unlisten: async (name) => {
          const entry = this.#subscribed.get(name);
          this.#subscribed.delete(name);
          await entry?.stop?.();
        },
      },
      onError,
    );
  }

  publish<T>(channel: Channel<T>, value: T): Promise<void> {
    return this.bus.publish(channel.name, channel.encode(value));
  }

  /** Calls `handler` with each message of `channel`; resolves once the bus confirmed the channel. */
  subscribe<T>(channel: Channel<T>, handler: (value: T) => void): Promise<Unsubscribe> {
    if (!this.#subscribed.has(channel.name)) this.#subscribed.set(channel.name, { decode: channel.decode });
    return this.#handlers.add(channel.name, (value) => handler(value as T));
  }

  #dispatch(entry: Subscribed | undefined, name: string, text: string): void {
    // Only the channel's current subscription speaks (an older one may still be giving back).
    if (!entry || this.#subscribed.get(name) !== entry || !this.#handlers.has(name)) return;
    let value: unknown;
    try {
      value = entry.decode(text);
    } catch (err) {
      this.onError(new Error(`undecodable message dropped: ${(err as Error).message}`), name);
      return;
    }
    this.#handlers.dispatch(name, value);
  }
}
