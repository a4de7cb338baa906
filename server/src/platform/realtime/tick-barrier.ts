import type { Bus, Unsubscribe } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { Logger } from "../observability/logger.ts";
import { MarkedSet } from "./bus-names.ts";
import { channels } from "./channels.ts";

/** What a tick says of the barrier before it: how long it was held back, and who was late. */
export interface BarrierOutcome {
  waitedMs: number;
  lateGameIds: string[];
}

/** The tick the leader waits on: the games yet to report it, and its times (performance.now()). */
interface Expected {
  number: bigint;
  missing: Set<string>;
  /** When the leader was first ready to start the next tick (undefined: not yet). */
  since: number | undefined;
  /** Whether it had to wait then. */
  waited: boolean;
  /** When the completions stored on the bus were last read. */
  readAt: number;
}

export interface TickBarrierOptions {
  bus: Bus;
  channels: ChannelBus;
  logger: Logger;
  /** TICK_BARRIER_MS: how long the leader holds a tick back at most (0: never). */
  barrierMs: number;
  /** How long a tick's completions stay on the bus: past the moment the leader last reads them. */
  keepMs: number;
  /** Whether this node may lead the tick: only then does it listen to completions. */
  listen: boolean;
}

/**
 * The tick barrier. A game that opted in (`tickBarrier`) reports each of its local ticks it
 * finished (`complete`, on whichever node it calls); the tick leader (`expect`, `ready`, `take`)
 * starts the next tick once every such game reported the last one, or TICK_BARRIER_MS after it
 * was ready to start it (at its normal time, unless it fell behind). A completion is stored on
 * the bus (a marked set per tick, which every node sees) and then announced on the `tick-done`
 * channel, which wakes a waiting leader at once. The leader reads the stored ones whenever it
 * (re)starts waiting, once per period (those that came before, or whose announcement was lost
 * with the bus connection), and once more before it gives up: the channel only makes it early,
 * never wrong.
 */
export class TickBarrier {
  #expected: Expected | undefined;
  #wake: (() => void) | undefined;
  #unsubscribe: Unsubscribe | undefined;

  private constructor(private readonly o: TickBarrierOptions) {}

  static async start(o: TickBarrierOptions): Promise<TickBarrier> {
    const barrier = new TickBarrier(o);
    if (o.listen) {
      barrier.#unsubscribe = await o.channels.subscribe(channels.tickDone, (done) => {
        const e = barrier.#expected;
        if (!e || done.number !== e.number.toString()) return;
        e.missing.delete(done.gameId);
        if (e.missing.size === 0) barrier.#wake?.();
      });
    }
    return barrier;
  }

  /** Records that game `gameId` finished tick `number`, for the leader wherever it runs. */
  async complete(number: bigint, gameId: string): Promise<void> {
    // Stored first, then announced: a leader that reads the set before the announcement arrives
    // finds the completion there, and one that read it earlier hears the announcement.
    await this.o.bus.mark(MarkedSet.tickDone(number), [gameId], this.o.keepMs);
    await this.o.channels.publish(channels.tickDone, { number: number.toString(), gameId });
  }

  /** The leader committed tick `number`: `games` must report it before the next (none: nothing to wait for). */
  expect(number: bigint, games: string[]): void {
    this.forget();
    if (games.length === 0) return;
    this.#expected = { number, missing: new Set(games), since: undefined, waited: false, readAt: -Infinity };
  }

  /**
   * Whether the next tick may start (the leader asks when it is due): true once every expected
   * game reported, or TICK_BARRIER_MS after the leader first asked, or when there is nothing to
   * wait for; false when `until` (a performance.now() time) came first, so that the leader
   * renews its lease and asks again. Waits meanwhile.
   */
  async ready(until: number): Promise<boolean> {
    const e = this.#expected;
    if (!e) return true;
    e.since ??= performance.now();
    const deadline = e.since + this.o.barrierMs;
    await this.#readStored(e);
    while (e.missing.size > 0 && this.#expected === e) {
      const now = performance.now();
      if (now >= deadline) {
        if (e.readAt < deadline) await this.#readStored(e); // the last look before giving up
        return true;
      }
      if (now >= until) return false;
      e.waited = true;
      await this.#sleep(Math.min(until, deadline));
    }
    return true;
  }

  /** What the next tick reports of the wait before it; the expectation is over. */
  take(): BarrierOutcome {
    const e = this.#expected;
    this.#expected = undefined;
    if (!e) return { waitedMs: 0, lateGameIds: [] };
    return {
      waitedMs: e.waited && e.since !== undefined ? performance.now() - e.since : 0,
      lateGameIds: [...e.missing].sort(),
    };
  }

  /** Drops the expectation and ends a wait at once (the leader stops, or lost its lease). */
  forget(): void {
    this.#expected = undefined;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.forget();
    await this.#unsubscribe?.();
  }

  /** Removes from `e` the games whose completion the bus stored. A failed read removes none. */
  async #readStored(e: Expected): Promise<void> {
    e.readAt = performance.now();
    try {
      for (const gameId of await this.o.bus.marked(MarkedSet.tickDone(e.number))) e.missing.delete(gameId);
    } catch (err) {
      this.o.logger.warn({ err }, "tick barrier: the completions could not be read");
    }
  }

  /** Resolves at `until` (a performance.now() time), or earlier on a wake. */
  #sleep(until: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, until - performance.now()));
      this.#wake = done;
    });
  }
}
