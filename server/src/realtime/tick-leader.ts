import type { Bus } from "../bus/bus.ts";
import type { PrismaClient } from "../db/client.ts";
import { eventToWire } from "../events/event-wire.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { TickMessage } from "./tick.ts";
import { Channel, Lease } from "./topics.ts";

/** Most pending events one tick delivers; the rest wait for the next. */
const MAX_PROPAGATED = 10_000;

export interface TickLeaderOptions {
  prisma: PrismaClient;
  bus: Bus;
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
 * (universe_state.current_tick), so they keep increasing across leaders and restarts.
 */
export class TickLeader {
  #timer: NodeJS.Timeout | undefined;
  #leading = false;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();
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
    try {
      await this.tick();
    } catch (err) {
      this.o.metrics.tickErrors.inc();
      logger.error({ err }, "tick failed");
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

  /** Runs one tick now (the loop calls it; tests may too). */
  async tick(): Promise<TickMessage> {
    const { prisma, bus, metrics, nodeId } = this.o;
    const startedAt = new Date();
    const t0 = performance.now();
    const result = await prisma.$transaction(async (tx) => {
      // Takes the sequencer row lock: publishes wait, so seqs stay gapless and in commit order.
      const [state] = await tx.$queryRaw<{ current_tick: bigint; last_seq: bigint }[]>`
        UPDATE universe_state SET current_tick = current_tick + 1, tick_at = ${startedAt}
         WHERE id = 1 RETURNING current_tick, last_seq`;
      if (!state) throw new Error("universe_state row is missing: run the migrations");
      const number = state.current_tick;
      const pending = await tx.event.findMany({
        where: { status: "PENDING" },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: { id: true },
        take: MAX_PROPAGATED,
      });
      const ids = pending.map((p) => p.id);
      const seqs = ids.map((_, i) => (state.last_seq + BigInt(i + 1)).toString());
      if (ids.length > 0) {
        await tx.$executeRaw`
          UPDATE events e SET seq = v.seq, status = 'DELIVERED', tick = ${number}, delivered_at = ${startedAt}
            FROM unnest(${ids}::uuid[], ${seqs}::bigint[]) AS v(id, seq) WHERE e.id = v.id`;
        await tx.$executeRaw`UPDATE universe_state SET last_seq = last_seq + ${ids.length} WHERE id = 1`;
      }
      const delivered =
        ids.length > 0 ? await tx.event.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" } }) : [];
      const games = await tx.game.findMany({ where: { status: "ACTIVE" }, select: { id: true, tickEvery: true } });
      const synced = games.filter((g) => number % BigInt(g.tickEvery) === 0n).map((g) => g.id);
      return { number, delivered, synced, lastSeq: state.last_seq + BigInt(ids.length) };
    });
    // After the commit, in seq order, then the tick itself.
    for (const e of result.delivered) await bus.publish(Channel.events, eventToWire(e));
    const durationMs = performance.now() - t0;
    const tick: TickMessage = {
      number: result.number.toString(),
      startedAt: startedAt.toISOString(),
      durationMs,
      gamesSynced: result.synced.length,
      eventsPropagated: result.delivered.length,
      lastSeq: result.lastSeq.toString(),
      syncedGameIds: result.synced,
      leader: nodeId,
    };
    await bus.publish(Channel.ticks, JSON.stringify(tick));
    metrics.ticks.inc();
    metrics.tickDuration.observe(durationMs / 1000);
    metrics.eventsPropagated.inc(result.delivered.length);
    metrics.currentTick.set(Number(result.number));
    return tick;
  }
}
