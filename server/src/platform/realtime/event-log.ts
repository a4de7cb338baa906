import type { ChannelBus } from "../bus/channel-bus.ts";
import type { PrismaClient, Tx } from "../db/client.ts";
import type { Logger } from "../observability/logger.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { channels, type EventRow } from "./channels.ts";

/** Most pending events one tick delivers; the rest wait for the next. */
const MAX_PROPAGATED = 10_000;
/** Events deleted per statement, and how long one pruning pass may go on. */
const PRUNE_BATCH = 10_000;
const PRUNE_PASS_MS = 5_000;

/** Where the log stands: the `universe_state` row. */
export interface LogHead {
  /** The last delivered seq. */
  lastSeq: bigint;
  /** Events up to this seq were pruned (retention). */
  prunedSeq: bigint;
  currentTick: bigint;
  tickAt: Date | null;
}

/** What a publisher stores; the log adds seq, tick, status and delivery time. */
export interface NewEvent {
  id: string;
  type: string;
  sourceGameId: string | null;
  targetGameId: string | null;
  targetRealm: object | null;
  recipientGameIds: string[];
  broadcast: boolean;
  data: unknown;
  idempotencyKey: string | null;
  requestHash: string;
  createdAt: Date;
}

/**
 * The event log, in one place: the one ordered sequence of delivered events in Postgres. It
 * assigns each delivered event the next `seq` under the `universe_state` row lock (so seqs are
 * gapless and commit in order), holds NEXT_TICK events pending until a tick delivers them,
 * publishes delivered events on the bus after their commit, reads pages of it, and prunes it.
 */
export class EventLog {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly channels: ChannelBus,
    private readonly logger: Logger,
  ) {}

  /** Where the log stands now. */
  async head(db: Tx = this.prisma): Promise<LogHead> {
    const s = await db.universeState.findUniqueOrThrow({ where: { id: 1 } });
    return { lastSeq: s.lastSeq, prunedSeq: s.prunedSeq, currentTick: s.currentTick, tickAt: s.tickAt };
  }

  /** The event a source stored under an idempotency key, if any. */
  findByKey(sourceGameId: string | null, key: string): Promise<EventRow | null> {
    return this.prisma.event.findFirst({ where: { sourceGameId, idempotencyKey: key } });
  }

  /**
   * Stores an event delivered now, with the next seq and the current tick, in ONE statement: the
   * universe_state row lock, which every publisher and the tick take, is held for a single round
   * trip. Then publishes it (after the commit, never before; if that is lost, nodes notice the
   * gap on the next event or tick and read the event from Postgres).
   */
  async appendDelivered(e: NewEvent): Promise<EventRow> {
    const inserted = await this.prisma.$executeRaw`
      WITH s AS (UPDATE universe_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, current_tick)
      INSERT INTO events (id, seq, tick, type, source_game_id, target_game_id, target_realm, recipient_game_ids,
                          broadcast, data, delivery, status, idempotency_key, request_hash, created_at, delivered_at)
      SELECT ${e.id}::uuid, s.last_seq, s.current_tick, ${e.type}, ${e.sourceGameId}, ${e.targetGameId},
             ${e.targetRealm === null ? null : JSON.stringify(e.targetRealm)}::jsonb, ${e.recipientGameIds}::text[],
             ${e.broadcast}, ${JSON.stringify(e.data)}::jsonb, 'IMMEDIATE', 'DELIVERED',
             ${e.idempotencyKey}, ${e.requestHash}, ${e.createdAt}, ${e.createdAt}
        FROM s`;
    if (inserted !== 1) throw new Error("universe_state row is missing: run the migrations");
    const stored = await this.prisma.event.findUniqueOrThrow({ where: { id: e.id } });
    await this.publish([stored]);
    return stored;
  }

  /** Stores an event for the next tick to deliver. */
  appendPending(e: NewEvent): Promise<EventRow> {
    return this.prisma.event.create({
      data: {
        ...e,
        targetRealm: e.targetRealm ?? undefined,
        data: e.data as Prisma.InputJsonValue,
        delivery: "NEXT_TICK",
        status: "PENDING",
      },
    });
  }

  /**
   * Delivers the pending events, oldest first (at most 10,000), inside the tick's transaction,
   * which holds the universe_state row lock: each gets the next seq and tick `tick`. Returns
   * them in seq order, and the last seq after them. Publish them after the commit.
   */
  async deliverPending(
    tx: Tx,
    tick: bigint,
    at: Date,
    lastSeq: bigint,
  ): Promise<{ delivered: EventRow[]; lastSeq: bigint }> {
    const pending = await tx.event.findMany({
      where: { status: "PENDING" },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: { id: true },
      take: MAX_PROPAGATED,
    });
    if (pending.length === 0) return { delivered: [], lastSeq };
    const ids = pending.map((p) => p.id);
    const seqs = ids.map((_, i) => (lastSeq + BigInt(i + 1)).toString());
    await tx.$executeRaw`
      UPDATE events e SET seq = v.seq, status = 'DELIVERED', tick = ${tick}, delivered_at = ${at}
        FROM unnest(${ids}::uuid[], ${seqs}::bigint[]) AS v(id, seq) WHERE e.id = v.id`;
    await tx.$executeRaw`UPDATE universe_state SET last_seq = last_seq + ${ids.length} WHERE id = 1`;
    const delivered = await tx.event.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" } });
    return { delivered, lastSeq: lastSeq + BigInt(ids.length) };
  }

  /**
   * Publishes delivered events in seq order. The publishes are sent together (one connection
   * keeps their order), not one round trip each. A lost publish is logged, not thrown: nodes
   * read what they missed from Postgres.
   */
  async publish(rows: EventRow[]): Promise<void> {
    await Promise.all(
      rows.map((e) =>
        this.channels
          .publish(channels.events, e)
          .catch((err: unknown) => this.logger.warn({ err, seq: e.seq?.toString() }, "event stored but not published")),
      ),
    );
  }

  /** Delivered events matching `where` with a seq above `after`, in seq order, `take` at most. */
  page(where: Prisma.EventWhereInput, after: bigint, take: number, upTo?: bigint): Promise<EventRow[]> {
    return this.prisma.event.findMany({
      where: { AND: [where, { seq: upTo === undefined ? { gt: after } : { gt: after, lte: upTo } }] },
      orderBy: { seq: "asc" },
      take,
    });
  }

  /**
   * A replay page: the events matching `where` after `after`, in seq order, at most `rows` of
   * them and at most `bytes` of `data` (always at least one, so an event larger than `bytes`
   * still comes). Sizes are summed in Postgres before the rows are read, so a page of large
   * events never lands in memory whole: a stalled subscriber holds one page, not 500 × 64 KiB.
   * `done`: nothing matching comes after this page.
   */
  async replayPage(
    where: Prisma.EventWhereInput,
    after: bigint,
    rows: number,
    bytes: number,
  ): Promise<{ events: EventRow[]; done: boolean }> {
    const seqs = await this.prisma.event.findMany({
      where: { AND: [where, { seq: { gt: after } }] },
      orderBy: { seq: "asc" },
      take: rows,
      select: { seq: true },
    });
    if (seqs.length === 0) return { events: [], done: true };
    const [fit] = await this.prisma.$queryRaw<{ upto: bigint }[]>`
      SELECT coalesce(max(seq) FILTER (WHERE total <= ${bytes}), min(seq)) AS upto
        FROM (SELECT seq, sum(octet_length(data::text)) OVER (ORDER BY seq) AS total
                FROM events WHERE seq = ANY(${seqs.map((s) => s.seq!)}::bigint[])) AS sized`;
    const events = await this.page(where, after, rows, fit!.upto);
    return { events, done: seqs.length < rows && events.length === seqs.length };
  }

  /**
   * Deletes delivered events older than `hours`, oldest first, and records the highest pruned
   * seq in universe_state.pruned_seq, so `events(since)` before it is refused rather than
   * silently skipped. Returns how many it deleted. The tick leader runs it once a minute.
   */
  async prune(hours: number): Promise<number> {
    const cutoff = new Date(Date.now() - hours * 3_600_000);
    const started = performance.now();
    let total = 0;
    for (;;) {
      const n = await this.#pruneBatch(cutoff);
      total += n;
      if (n < PRUNE_BATCH || performance.now() - started > PRUNE_PASS_MS) return total;
    }
  }

  #pruneBatch(cutoff: Date): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ seq: bigint | null; n: bigint }[]>`
        WITH gone AS (
          DELETE FROM events WHERE id IN (
            SELECT id FROM events WHERE status = 'DELIVERED' AND delivered_at < ${cutoff}
             ORDER BY seq LIMIT ${PRUNE_BATCH})
          RETURNING seq)
        SELECT max(seq) AS seq, count(*) AS n FROM gone`;
      if (row?.seq) {
        await tx.$executeRaw`UPDATE universe_state SET pruned_seq = GREATEST(pruned_seq, ${row.seq}) WHERE id = 1`;
      }
      return Number(row?.n ?? 0);
    });
  }
}
