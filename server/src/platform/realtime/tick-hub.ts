import type { Unsubscribe } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import { channels, type TickMessage } from "./channels.ts";

/** This node's one subscription to the ticks channel, fanned out to local listeners. */
export class TickHub {
  readonly #listeners = new Set<(t: TickMessage) => void>();
  #unsubscribe: Unsubscribe | undefined;
  #last: TickMessage | undefined;

  static async start(typed: ChannelBus): Promise<TickHub> {
    const hub = new TickHub();
    hub.#unsubscribe = await typed.subscribe(channels.ticks, (tick) => {
      // A tick older than one already heard (a deposed leader's late message) is dropped.
      if (hub.#last && BigInt(tick.number) <= BigInt(hub.#last.number)) return;
      hub.#last = tick;
      for (const l of hub.#listeners) l(tick);
    });
    return hub;
  }

  /** The latest tick heard, if any. */
  get last(): TickMessage | undefined {
    return this.#last;
  }

  listen(listener: (t: TickMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#listeners.clear();
    await this.#unsubscribe?.();
  }
}
