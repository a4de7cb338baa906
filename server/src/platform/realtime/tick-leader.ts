import type { Bus } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { Lease } from "./bus-names.ts";
import { channels, type EventRow, type TickMessage } from "./channels.ts";
import type { EventLog } from "./event-log.ts";

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
}

/**
 * Drives the control tick on exactly one node at a time. Every node tries to take (or renew)
 * the tick lease once per period; the holder ticks. Tick numbers come from Postgres
 * (universe_state.current_tick), so they keep increasing across leaders and restarts. The loop
 * never waits for a tick's publishes: a slow bus must not hold up the lease renewal. While a
 * tick's publishes are still going out, the next tick waits (the lease is renewed meanwhile),
 * so publishes never pile up and ticks reach the bus in order.
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
  #rates: { version: string; synced: (n: bigint) => number } | undefined;
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
      this.#running = this.#step().finally(() => {
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
    await this.#running;
    await this.#publishing;
    await Promise.allSettled(this.#chores);
    if (this.#leading) await this.o.bus.releaseLease(Lease.tick, this.o.nodeId).catch(() => undefined);
    this.#leading = false;
  }

  async #step(): Promise<void> {
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
    if (!lead) return;
    if (!this.#publishing) {
      try {
        const { published } = await this.#tick();
        const publishing = published.finally(() => {
          if (this.#publishing === publishing) this.#publishing = undefined;
        });
        this.#publishing = publishing;
      } catch (err) {
        this.o.metrics.tickErrors.inc();
        logger.error({ err }, "tick failed");
      }
    }
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
  }

  /** Runs one tick now and waits for its publishes (the loop does not wait; tests may call it). */
  async tick(): Promise<TickMessage> {
    const { message, published } = await this.#tick();
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
   */
  async #tick(): Promise<{ message: TickMessage; published: Promise<void> }> {
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
    };
    metrics.ticks.inc();
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

  /** How many active games tick at each rate (tickEvery): one grouped read, when games changed. */
  async #readRates(): Promise<{ synced: (n: bigint) => number }> {
    const rows = await this.o.prisma.game.groupBy({
      by: ["tickEvery"],
      where: { status: "ACTIVE" },
      _count: { _all: true },
    });
    const rates = rows.map((r) => [BigInt(r.tickEvery), r._count._all] as const);
    // The active games whose local tick `n` is: a sum over the distinct rates (at most 1000).
    return { synced: (n) => rates.reduce((sum, [every, count]) => (n % every === 0n ? sum + count : sum), 0) };
  }
}
