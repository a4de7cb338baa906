import type { Bus } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { Lease } from "./bus-names.ts";
import { channels, type TickMessage } from "./channels.ts";
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
  readonly #chores: (Promise<unknown> | undefined)[] = [];

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

  /** Commits one tick; `published` settles once its events and the tick itself went out. */
  async #tick(): Promise<{ message: TickMessage; published: Promise<void> }> {
    const { prisma, log, metrics, nodeId } = this.o;
    const startedAt = new Date();
    const t0 = performance.now();
    const result = await prisma.$transaction(async (tx) => {
      // Takes the sequencer row lock: publishes wait, so seqs stay gapless and in commit order.
      const [state] = await tx.$queryRaw<{ current_tick: bigint; last_seq: bigint }[]>`
        UPDATE universe_state SET current_tick = current_tick + 1, tick_at = ${startedAt}
         WHERE id = 1 RETURNING current_tick, last_seq`;
      if (!state) throw new Error("universe_state row is missing: run the migrations");
      const number = state.current_tick;
      const { delivered, lastSeq } = await log.deliverPending(tx, number, startedAt, state.last_seq);
      const games = await tx.game.findMany({ where: { status: "ACTIVE" }, select: { id: true, tickEvery: true } });
      const synced = games.filter((g) => number % BigInt(g.tickEvery) === 0n).map((g) => g.id);
      return { number, delivered, synced, lastSeq };
    });
    const durationMs = performance.now() - t0;
    const message: TickMessage = {
      number: result.number.toString(),
      startedAt: startedAt.toISOString(),
      durationMs,
      gamesSynced: result.synced.length,
      eventsPropagated: result.delivered.length,
      lastSeq: result.lastSeq.toString(),
      syncedGameIds: result.synced,
      leader: nodeId,
    };
    metrics.ticks.inc();
    metrics.tickDuration.observe(durationMs / 1000);
    metrics.eventsPropagated.inc(result.delivered.length);
    metrics.currentTick.set(Number(result.number));
    // After the commit, in seq order, then the tick itself.
    const published = log
      .publish(result.delivered)
      .then(() => this.o.channels.publish(channels.ticks, message))
      .catch((err: unknown) => this.o.logger.warn({ err }, "tick: not published (nodes catch up on the next one)"));
    return { message, published };
  }
}
