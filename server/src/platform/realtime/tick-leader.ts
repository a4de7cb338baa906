import type { Bus } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { Lease } from "./bus-names.ts";
import { channels, type EventRow, type TickMessage } from "./channels.ts";
import type { EventLog } from "./event-log.ts";
import type { BarrierOutcome, TickBarrier } from "./tick-barrier.ts";

export interface TickLeaderOptions {
  prisma: PrismaClient;
  bus: Bus;
  channels: ChannelBus;
  log: EventLog;
  logger: Logger;
  metrics: Metrics;
  nodeId: string;
  /** Ticks per second. */
  hz: number;
  /** The lease: a leader that stops renewing it is replaced within two lease periods. */
  leaseMs: number;
  /** The latest tick number this node heard from any leader, if any: a floor for the next one. */
  heard?: () => bigint | undefined;
  /** Work only the leader does, each at most once per `everyMs` (presence sweeps, retention). */
  chores?: { everyMs: number; run: () => Promise<unknown> }[];
  /** The tick barrier: without it, the leader never waits for games. */
  barrier?: TickBarrier;
}

/** The games whose local tick `n` is: how many, and those the barrier waits for. */
interface Rates {
  version: string;
  synced: (n: bigint) => number;
  barrier: (n: bigint) => string[];
}

/**
 * Drives the control tick on exactly one node at a time. Every node tries to take (or renew)
 * the tick lease once per period; the holder ticks. Tick numbers come from Postgres
 * (universe_state.current_tick), so they keep increasing across leaders and restarts. The loop
 * never waits for a tick's publishes: a slow bus must not hold up the lease renewal. While a
 * tick's publishes are still going out, the next tick waits (the lease is renewed meanwhile),
 * so publishes never pile up and ticks reach the bus in order.
 *
 * With a barrier, the next tick also waits (TICK_BARRIER_MS at most, from when it was due)
 * until the games that opted in have reported the last one. The wait is cut into tick periods,
 * each after a lease renewal, so waiting never lets the lease lapse either; a tick the barrier
 * held back starts the period over.
 */
export class TickLeader {
  #timer: NodeJS.Timeout | undefined;
  #leading = false;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();
  /** The last tick's publishes, while they are going out. */
  #publishing: Promise<void> | undefined;
  readonly #choreRuns: number[] = [];
  /** What the leader knows of the games' tick rates, and the games version it was read at. */
  #rates: Rates | undefined;
  readonly #chores: (Promise<unknown> | undefined)[] = [];
  /** The last tick number this leader committed (see #tick). */
  #lastNumber = 0n;

  constructor(private readonly o: TickLeaderOptions) {}

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    const period = 1000 / this.o.hz;
    let next = performance.now();
    const loop = () => {
      if (this.#stopped) return;
      let heldUntil: number | undefined;
      this.#running = this.#step(next + period)
        .then((h) => {
          heldUntil = h;
        })
        .finally(() => {
          // A tick the barrier held back: the next one comes a full period after it.
          if (heldUntil !== undefined && heldUntil > next) next = heldUntil;
          next += period;
          const now = performance.now();
          if (next < now) next = now; // fell behind: do not burst to catch up
          this.#timer = setTimeout(loop, next - now);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.o.barrier?.forget();
    await this.#running;
    await this.#publishing;
    await Promise.allSettled(this.#chores);
    if (this.#leading) await this.o.bus.releaseLease(Lease.tick, this.o.nodeId).catch(() => undefined);
    this.#leading = false;
  }

  /**
   * One period: renew the lease; leading, tick (once the last tick's publishes are out and the
   * barrier lets it: its wait ends at `nextStep` at the latest, when the next step renews the
   * lease and waits on), and start the chores that are due. Answers when the tick started if
   * the barrier held it back.
   */
  async #step(nextStep: number): Promise<number | undefined> {
    const { bus, nodeId, leaseMs, logger } = this.o;
    let lead: boolean;
    try {
      lead = await bus.lease(Lease.tick, nodeId, leaseMs);
    } catch (err) {
      logger.warn({ err }, "tick: the lease could not be checked");
      lead = false;
    }
    if (lead !== this.#leading)
      logger.info({ nodeId, leading: lead }, lead ? "tick: now leading" : "tick: no longer leading");
    this.#leading = lead;
    if (!lead) {
      this.o.barrier?.forget(); // a later leader does not wait for this one's ticks
      return undefined;
    }
    const heldUntil = this.#publishing ? undefined : await this.#tickWhenReady(nextStep);
    // Chores run beside the tick loop (a long retention pass must not stall ticks or let the
    // lease lapse), each at most one at a time.
    const now = performance.now();
    for (const [i, chore] of (this.o.chores ?? []).entries()) {
      if (this.#chores[i] || now - (this.#choreRuns[i] ?? -Infinity) < chore.everyMs) continue;
      this.#choreRuns[i] = now;
      this.#chores[i] = chore
        .run()
        .catch((err: unknown) => logger.error({ err }, "tick leader: a chore failed"))
        .finally(() => (this.#chores[i] = undefined));
    }
    return heldUntil;
  }

  /**
   * Ticks once the barrier lets it (at once without one); waits for it until `nextStep` at most.
   * Answers when the tick started if the barrier held it back, so the next comes a period later.
   */
  async #tickWhenReady(nextStep: number): Promise<number | undefined> {
    const { barrier } = this.o;
    if (barrier && !(await barrier.ready(nextStep))) return undefined;
    if (this.#stopped) return undefined;
    const waited = barrier?.take() ?? { waitedMs: 0, lateGameIds: [] };
    const heldUntil = waited.waitedMs > 0 ? performance.now() : undefined;
    try {
      const { published } = await this.#tick(waited, true);
      const publishing = published.finally(() => {
        if (this.#publishing === publishing) this.#publishing = undefined;
      });
      this.#publishing = publishing;
    } catch (err) {
      this.o.metrics.tickErrors.inc();
      this.o.logger.error({ err }, "tick failed");
    }
    return heldUntil;
  }

  /** Runs one tick now and waits for its publishes (the loop does not wait; tests may call it). */
  async tick(): Promise<TickMessage> {
    const { message, published } = await this.#tick({ waitedMs: 0, lateGameIds: [] }, false);
    await published;
    return message;
  }

  /**
   * Commits one tick; `published` settles once its events and the tick itself went out. A tick
   * with nothing to deliver is ONE statement (raise current_tick, and read the last seq, the
   * games version (the sum of games_version's 64 slots) and whether any event is pending, the
   * latter once it holds the row lock: `events_pending()`): its cost does not grow with the games.
   * Pending events are then delivered by one more statement (`EventLog.deliverPending`), and
   * the games' tick rates are re-read only when the games version moved.
   *
   * The tick number's commit does not wait for the disk (`synchronous_commit = off` for that
   * statement's own transaction, through `set_config(…, true)`): a durable commit is a WAL
   * flush, several milliseconds here, more than an idle tick's whole budget. What a Postgres crash can lose is the last few tick numbers (not
   * events: delivering them commits durably, and that flush takes the tick's update with it).
   * So the number never goes back: it is at least one more than the last this leader committed
   * or this node heard, whatever the row says.
   *
   * `waited` is what the barrier before it came to; with `expect`, the games that must report
   * this tick are handed to the barrier, which the next tick waits on.
   */
  async #tick(waited: BarrierOutcome, expect: boolean): Promise<{ message: TickMessage; published: Promise<void> }> {
    const { prisma, log, metrics, nodeId } = this.o;
    const startedAt = new Date();
    const t0 = performance.now();
    const heard = this.o.heard?.() ?? 0n;
    const floor = heard > this.#lastNumber ? heard : this.#lastNumber;
    const [state] = await prisma.$queryRaw<
      { current_tick: bigint; last_seq: bigint; games_version: bigint | null; pending: boolean }[]
    >`
      WITH no_flush AS (SELECT set_config('synchronous_commit', 'off', true))
      UPDATE universe_state SET current_tick = GREATEST(current_tick, ${floor}) + 1, tick_at = ${startedAt}
      FROM no_flush WHERE id = 1
      RETURNING current_tick, last_seq, (SELECT sum(version)::bigint FROM games_version) AS games_version,
                events_pending() AS pending`;
    if (!state) throw new Error("universe_state row is missing: run the migrations");
    const number = state.current_tick;
    this.#lastNumber = number;
    const gamesVersion = String(state.games_version ?? 0n);
    let delivered: EventRow[] = [];
    let lastSeq = state.last_seq;
    if (state.pending) {
      const result = await log.deliverPending(number, startedAt);
      if (result.lastSeq === null) throw new Error("universe_state row is missing: run the migrations");
      delivered = result.delivered;
      lastSeq = result.lastSeq;
    }
    if (gamesVersion !== this.#rates?.version) this.#rates = { version: gamesVersion, ...(await this.#readRates()) };
    const gamesSynced = this.#rates.synced(number);
    if (expect) this.o.barrier?.expect(number, this.#rates.barrier(number));
    const durationMs = performance.now() - t0;
    const message: TickMessage = {
      number: number.toString(),
      startedAt: startedAt.toISOString(),
      durationMs,
      gamesSynced,
      eventsPropagated: delivered.length,
      lastSeq: lastSeq.toString(),
      gamesVersion,
      leader: nodeId,
      waitedMs: waited.waitedMs,
      lateGameIds: waited.lateGameIds,
    };
    metrics.ticks.inc();
    metrics.tickLateGames.inc(waited.lateGameIds.length);
    metrics.tickDuration.observe(durationMs / 1000);
    metrics.eventsPropagated.inc(delivered.length);
    metrics.currentTick.set(Number(number));
    // After the commit, in seq order, then the tick itself.
    const published = log
      .publish(delivered)
      .then(() => this.o.channels.publish(channels.ticks, message))
      .catch((err: unknown) => this.o.logger.warn({ err }, "tick: not published (nodes catch up on the next one)"));
    return { message, published };
  }

  /**
   * How many active games tick at each rate (tickEvery), and which of them opted into the
   * barrier: one grouped read, when games changed. Only the opted-in games' ids are read.
   */
  async #readRates(): Promise<Omit<Rates, "version">> {
    const rows = await this.o.prisma.$queryRaw<{ tick_every: number; games: number; barrier: string[] }[]>`
      SELECT tick_every, count(*)::int AS games,
             coalesce(array_agg(id ORDER BY id) FILTER (WHERE tick_barrier), '{}') AS barrier
        FROM games WHERE status = 'ACTIVE' GROUP BY tick_every`;
    const rates = rows.map((r) => ({ every: BigInt(r.tick_every), count: r.games, barrier: r.barrier }));
    const due = (n: bigint) => rates.filter((r) => n % r.every === 0n);
    // The active games whose local tick `n` is: a sum over the distinct rates (at most 1000).
    return {
      synced: (n) => due(n).reduce((sum, r) => sum + r.count, 0),
      barrier: (n) => due(n).flatMap((r) => r.barrier),
    };
  }
}
