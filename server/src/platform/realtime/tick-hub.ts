import type { Unsubscribe } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { Logger } from "../observability/logger.ts";
import { channels, type TickMessage } from "./channels.ts";

/** What decides a game's local ticks: its tickEvery, and whether it is ACTIVE. */
export interface GameRate {
  every: number;
  active: boolean;
}

/** Reads the rates of `ids` (the games missing from the answer are gone: no local ticks). */
export type ReadRates = (ids: string[]) => Promise<Map<string, GameRate>>;

interface Watched {
  rate: GameRate | undefined;
  listeners: Set<(t: TickMessage) => void>;
}

/**
 * This node's one subscription to the ticks channel, fanned out to local listeners: every tick,
 * or (`listenGame`) one game's local ticks. Which ticks are a game's is worked out here from the
 * rates of the games that have listeners on this node, re-read (one query for all of them) only
 * when a tick says the games version moved: so a tick costs the same however many games exist,
 * and nothing at all for games no one here listens to.
 */
export class TickHub {
  readonly #listeners = new Set<(t: TickMessage) => void>();
  readonly #games = new Map<string, Watched>();
  #unsubscribe: Unsubscribe | undefined;
  #last: TickMessage | undefined;
  /** The games version the rates were read at (undefined: never, or the read failed). */
  #version: string | undefined;
  /** Ticks for game listeners waiting for a re-read of the rates, in order. */
  readonly #waiting: TickMessage[] = [];
  #reading = false;

  private constructor(
    private readonly readRates: ReadRates,
    private readonly logger: Logger,
  ) {}

  static async start(typed: ChannelBus, readRates: ReadRates, logger: Logger): Promise<TickHub> {
    const hub = new TickHub(readRates, logger);
    hub.#unsubscribe = await typed.subscribe(channels.ticks, (tick) => {
      // A tick older than one already heard (a deposed leader's late message) is dropped.
      if (hub.#last && BigInt(tick.number) <= BigInt(hub.#last.number)) return;
      hub.#last = tick;
      for (const l of hub.#listeners) l(tick);
      hub.#forGames(tick);
    });
    return hub;
  }

  /** The latest tick heard, if any. */
  get last(): TickMessage | undefined {
    return this.#last;
  }

  /** Calls `listener` with every tick from now on. Returns a remover. */
  listen(listener: (t: TickMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Calls `listener` with game `gameId`'s local ticks from now on (ACTIVE, and `number %
   * tickEvery === 0`). Resolves (with a remover) once the game's rate is known.
   */
  async listenGame(gameId: string, listener: (t: TickMessage) => void): Promise<() => void> {
    let watched = this.#games.get(gameId);
    if (!watched) {
      watched = { rate: undefined, listeners: new Set() };
      this.#games.set(gameId, watched);
    }
    watched.listeners.add(listener);
    const stop = () => {
      watched.listeners.delete(listener);
      if (watched.listeners.size === 0 && this.#games.get(gameId) === watched) this.#games.delete(gameId);
    };
    if (!watched.rate) {
      try {
        // A change after this read moves the games version: the next tick re-reads it.
        watched.rate = (await this.readRates([gameId])).get(gameId) ?? { every: 1, active: false };
      } catch (err) {
        stop();
        throw err;
      }
    }
    return stop;
  }

  async stop(): Promise<void> {
    this.#listeners.clear();
    this.#games.clear();
    await this.#unsubscribe?.();
  }

  #forGames(tick: TickMessage): void {
    if (this.#games.size === 0) return;
    if (!this.#reading && tick.gamesVersion === this.#version) {
      this.#dispatch(tick);
      return;
    }
    this.#waiting.push(tick);
    if (!this.#reading) void this.#reread();
  }

  /** Re-reads the rates of the watched games, then hands out the ticks that waited, in order. */
  async #reread(): Promise<void> {
    this.#reading = true;
    try {
      while (this.#waiting.length > 0) {
        const version = this.#waiting[this.#waiting.length - 1]!.gamesVersion;
        if (version !== this.#version) {
          try {
            const rates = await this.readRates([...this.#games.keys()]);
            for (const [id, watched] of this.#games) watched.rate = rates.get(id) ?? { every: 1, active: false };
            this.#version = version;
          } catch (err) {
            // The ticks still go out, by the rates known so far; the next tick tries again.
            this.logger.warn({ err }, "ticks: the games' tick rates could not be read");
            this.#version = undefined;
          }
        }
        for (const t of this.#waiting.splice(0)) this.#dispatch(t);
      }
    } finally {
      this.#reading = false;
    }
  }

  #dispatch(tick: TickMessage): void {
    const n = BigInt(tick.number);
    for (const watched of this.#games.values()) {
      const rate = watched.rate;
      if (!rate?.active || n % BigInt(rate.every) !== 0n) continue;
      for (const l of watched.listeners) l(tick);
    }
  }
}
