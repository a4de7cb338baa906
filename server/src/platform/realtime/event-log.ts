import type { ChannelBus } from "../bus/channel-bus.ts";
import type { PrismaClient, Tx } from "../db/client.ts";
import { forbidden } from "../errors/errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { channels, type EventRow } from "./channels.ts";
import { GroupCommit, type Outcome } from "./group-commit.ts";
import { MAX_BYTES_QUOTA, quotaExceeded } from "../quotas/game-quotas.ts";

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
  /** The player who sent it (its game is `sourceGameId`); null for a game's or the admin's. */
  sourcePlayerId: string | null;
  targetGameId: string | null;
  targetRealm: object | null;
  targetRoomId: string | null;
  targetPlayerId: string | null;
  recipientGameIds: string[];
  /** The players who may see it, fixed now (a room's players, a whisper's two ends); [] for games' events. */
  audiencePlayerIds: string[];
  broadcast: boolean;
  data: unknown;
  idempotencyKey: string | null;
  /** What a retry with `idempotencyKey` is compared on; "" for an event without a key. */
  requestHash: string;
  createdAt: Date;
  /** IMMEDIATE (the default): delivered at once, with a seq. NEXT_TICK: pending for the tick. */
  delivery?: "IMMEDIATE" | "NEXT_TICK";
}

/**
 * `value` as Postgres' jsonb gives it back: object keys shortest first, then in byte order (the
 * answer and the bus must show an event as a read of it will). Arrays keep their order.
 */
function asJsonb(value: unknown): Prisma.JsonValue {
  if (Array.isArray(value)) return value.map(asJsonb);
  if (value === null || typeof value !== "object") return value as Prisma.JsonValue;
  const keys = Object.keys(value);
  // ASCII keys (nearly always): their UTF-16 length and order are their UTF-8 byte length and order.
  if (keys.every(isAscii)) keys.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  else {
    const bytes = new Map(keys.map((k) => [k, Buffer.from(k)]));
    keys.sort((a, b) => bytes.get(a)!.length - bytes.get(b)!.length || Buffer.compare(bytes.get(a)!, bytes.get(b)!));
  }
  const out: Record<string, Prisma.JsonValue> = {};
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = asJsonb(v);
  }
  return out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A committed group, and its publish on the bus (shared by its batch). */
interface Stored {
  rows: EventRow[];
  published: Promise<void>;
}

/**
 * Most events one bus message carries: a batch of small events is one message, and a message of
 * events at their largest (MAX_EVENT_DATA_BYTES, 64 KiB) stays a few MiB.
 */
const MAX_EVENTS_PER_MESSAGE = 100;

/** Most rows one group-commit statement inserts (a bigger group still goes, alone). */
const MAX_BATCH_ROWS = 1_000;

/**
 * The event log, in one place: the one ordered sequence of delivered events in Postgres. It
 * assigns each delivered event the next `seq` under the `universe_state` row lock (so seqs are
 * gapless and commit in order), holds NEXT_TICK events pending until a tick delivers them,
 * publishes delivered events on the bus after their commit, reads pages of it, and prunes it.
 */
export class EventLog {
  readonly #commits = new GroupCommit<NewEvent[], Stored>({
    flush: (groups) => this.#flush(groups),
    weight: (group) => group.length,
    maxWeight: MAX_BATCH_ROWS,
  });

  constructor(
    private readonly prisma: PrismaClient,
    private readonly channels: ChannelBus,
    private readonly logger: Logger,
    /** A game's storedEventBytes quota unless the admin overrode it (GAME_QUOTA_STORED_EVENT_BYTES). */
    private readonly storedEventBytes: number = MAX_BYTES_QUOTA,
  ) {}

  /** Where the log stands now. */
  async head(db: Tx = this.prisma): Promise<LogHead> {
    const s = await db.universeState.findUniqueOrThrow({ where: { id: 1 } });
    return { lastSeq: s.lastSeq, prunedSeq: s.prunedSeq, currentTick: s.currentTick, tickAt: s.tickAt };
  }

  /** The events a source (a game, a player of it, or the admin: null) stored under any of `keys` (one query). */
  findByKeys(source: { gameId: string | null; playerId: string | null }, keys: string[]): Promise<EventRow[]> {
    return this.prisma.event.findMany({
      where: { sourceGameId: source.gameId, sourcePlayerId: source.playerId, idempotencyKey: { in: keys } },
    });
  }

  /**
   * Stores a group of events, all or none, and answers them as stored: IMMEDIATE ones delivered
   * now with consecutive seqs in the group's order and the current tick, NEXT_TICK ones pending
   * for the tick. Concurrent groups are committed together (group commit, `GroupCommit`): one
   * statement per batch reserves the batch's seqs with one `UPDATE universe_state … RETURNING`
   * and inserts every row, so the row lock every publisher and the tick take is held once per
   * batch, for a single round trip. Commit order is still seq order. Answers once the batch has
   * committed and its delivered events were published (after the commit, never before; if that
   * is lost, nodes notice the gap on the next event or tick and read the events from Postgres).
   * A batch that fails is retried one group at a time, so one group's bad row (or a raced
   * idempotency key: a unique violation, thrown to that group alone) never fails the others.
   */
  async append(group: NewEvent[]): Promise<EventRow[]> {
    if (group.length === 0) return [];
    const { rows, published } = await this.#commits.submit(group);
    await published;
    return rows;
  }

  /** One delivered event (see `append`). */
  async appendDelivered(e: NewEvent): Promise<EventRow> {
    const [row] = await this.append([{ ...e, delivery: "IMMEDIATE" }]);
    return row!;
  }

  /** One event for the next tick to deliver (see `append`). */
  async appendPending(e: NewEvent): Promise<EventRow> {
    const [row] = await this.append([{ ...e, delivery: "NEXT_TICK" }]);
    return row!;
  }

  async #flush(groups: NewEvent[][]): Promise<Outcome<Stored>[]> {
    try {
      const rows = await this.#insert(groups.flat());
      const published = this.publish(rows.filter((r) => r.seq !== null));
      let at = 0;
      return groups.map((g) => {
        const value = { rows: rows.slice(at, at + g.length), published };
        at += g.length;
        return { ok: true, value };
      });
    } catch (error) {
      if (groups.length === 1) return [{ ok: false, error }];
    }
    // One group failed the batch: each group on its own, in order, fails alone.
    const outcomes: Outcome<Stored>[] = [];
    for (const g of groups) {
      try {
        const rows = await this.#insert(g);
        outcomes.push({ ok: true, value: { rows, published: this.publish(rows.filter((r) => r.seq !== null)) } });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }

  /**
   * Inserts `events` in ONE statement (its own transaction): the IMMEDIATE ones take the next
   * seqs in order, reserved by the same statement's UPDATE of universe_state (a batch of
   * NEXT_TICK events alone takes no lock). Nothing is stored if a source game is unregistered
   * (FORBIDDEN). Builds the stored rows from what it inserted and the seqs and tick it was
   * given: no read back.
   */
  async #insert(events: NewEvent[]): Promise<EventRow[]> {
    let immediate = 0;
    const offsets = events.map((e) => (e.delivery === "NEXT_TICK" ? null : ++immediate));
    const sources = [...new Set(events.flatMap((e) => (e.sourceGameId ? [e.sourceGameId] : [])))];
    const [s] = await this.prisma.$queryRaw<
      {
        last_seq: bigint | null;
        current_tick: bigint | null;
        inserted: bigint;
        unregistered: string[] | null;
        over_quota: { id: string; quota: string }[] | null;
      }[]
    >`/* prepared: event-log-append */
      WITH v AS (
        SELECT * FROM unnest(${events.map((e) => e.id)}::uuid[], ${offsets}::int[], ${events.map((e) => e.type)}::text[],
                         ${events.map((e) => e.sourceGameId)}::text[], ${events.map((e) => e.targetGameId)}::text[],
                         ${events.map((e) => (e.targetRealm === null ? null : JSON.stringify(e.targetRealm)))}::text[],
                         ${events.map((e) => JSON.stringify(e.recipientGameIds))}::text[],
                         ${events.map((e) => e.broadcast)}::boolean[], ${events.map((e) => JSON.stringify(e.data))}::text[],
                         ${events.map((e) => e.idempotencyKey)}::text[], ${events.map((e) => e.requestHash)}::text[],
                         ${events.map((e) => e.createdAt.toISOString())}::timestamptz[],
                         ${events.map((e) => e.sourcePlayerId)}::uuid[], ${events.map((e) => e.targetRoomId)}::uuid[],
                         ${events.map((e) => e.targetPlayerId)}::uuid[],
                         ${events.map((e) => (e.audiencePlayerIds.length === 0 ? null : `{${e.audiencePlayerIds.join(",")}}`))}::text[])
               AS v(id, off, type, source, target, realm, recipients, broadcast, data, key, hash, created,
                    source_player, target_room, target_player, audience)),
      gone AS (SELECT id FROM games WHERE id = ANY(${sources}::text[]) AND status = 'UNREGISTERED'),
      -- Each source's bytes as the log will hold them, and the sources that would pass their quota.
      sizes AS (SELECT source, sum(octet_length(data::jsonb::text))::bigint AS bytes FROM v
                 WHERE source IS NOT NULL GROUP BY source),
      over AS (SELECT id, quota FROM (
                 SELECT g.id, g.stored_event_bytes + z.bytes AS after,
                        coalesce((g.quotas->>'storedEventBytes')::bigint, ${this.storedEventBytes}::bigint) AS quota
                   FROM games g JOIN sizes z ON z.source = g.id) q
                WHERE after > quota),
      refused AS (SELECT id FROM gone UNION ALL SELECT id FROM over),
      s AS (UPDATE universe_state SET last_seq = last_seq + ${immediate}
             WHERE id = 1 AND ${immediate}::int > 0 AND NOT EXISTS (SELECT 1 FROM refused)
            RETURNING last_seq - ${immediate} AS base, last_seq, current_tick),
      ins AS (
        INSERT INTO events (id, seq, tick, type, source_game_id, target_game_id, target_realm, recipient_game_ids,
                            broadcast, data, delivery, status, idempotency_key, request_hash, created_at, delivered_at,
                            source_player_id, target_room_id, target_player_id, audience_player_ids)
        SELECT v.id, s.base + v.off, CASE WHEN v.off IS NULL THEN NULL ELSE s.current_tick END, v.type, v.source,
               v.target, v.realm::jsonb, ARRAY(SELECT jsonb_array_elements_text(v.recipients::jsonb)), v.broadcast,
               v.data::jsonb,
               (CASE WHEN v.off IS NULL THEN 'NEXT_TICK' ELSE 'IMMEDIATE' END)::"EventDelivery",
               (CASE WHEN v.off IS NULL THEN 'PENDING' ELSE 'DELIVERED' END)::"EventStatus",
               v.key, v.hash, v.created, CASE WHEN v.off IS NULL THEN NULL ELSE v.created END,
               v.source_player, v.target_room, v.target_player, coalesce(v.audience::uuid[], '{}')
          FROM v LEFT JOIN s ON true
         WHERE NOT EXISTS (SELECT 1 FROM refused) AND (s.base IS NOT NULL OR ${immediate}::int = 0)
        RETURNING 1),
      used AS (UPDATE games g SET stored_event_bytes = g.stored_event_bytes + z.bytes FROM sizes z
                WHERE g.id = z.source AND EXISTS (SELECT 1 FROM ins))
      SELECT s.last_seq, s.current_tick, (SELECT count(*) FROM ins) AS inserted,
             (SELECT array_agg(id ORDER BY id) FROM gone) AS unregistered,
             (SELECT json_agg(json_build_object('id', id, 'quota', quota::text) ORDER BY id) FROM over) AS over_quota
        FROM (SELECT 1) AS one LEFT JOIN s ON true`;
    if (s?.unregistered?.length) throw forbidden(`Game "${s.unregistered[0]}" is unregistered and read-only`);
    const over = s?.over_quota?.[0];
    if (over) throw quotaExceeded(over.id, "storedEventBytes", Number(over.quota), "bytes of stored events");
    if (!s || (immediate > 0 && (s.last_seq === null || s.current_tick === null))) {
      throw new Error("universe_state row is missing: run the migrations");
    }
    if (Number(s.inserted) !== events.length) throw new Error(`inserted ${s.inserted} of ${events.length} events`);
    const base = (s.last_seq ?? 0n) - BigInt(immediate);
    return events.map((e, i) => {
      const off = offsets[i];
      const delivered = off !== null && off !== undefined;
      return {
        id: e.id,
        seq: delivered ? base + BigInt(off) : null,
        type: e.type,
        sourceGameId: e.sourceGameId,
        sourcePlayerId: e.sourcePlayerId,
        targetGameId: e.targetGameId,
        targetRealm: e.targetRealm === null ? null : asJsonb(e.targetRealm),
        targetRoomId: e.targetRoomId,
        targetPlayerId: e.targetPlayerId,
        recipientGameIds: [...e.recipientGameIds],
        audiencePlayerIds: [...e.audiencePlayerIds],
        broadcast: e.broadcast,
        data: asJsonb(e.data),
        delivery: delivered ? "IMMEDIATE" : "NEXT_TICK",
        status: delivered ? "DELIVERED" : "PENDING",
        tick: delivered ? s.current_tick : null,
        idempotencyKey: e.idempotencyKey,
        requestHash: e.requestHash,
        createdAt: e.createdAt,
        deliveredAt: delivered ? e.createdAt : null,
      };
    });
  }

  /**
   * Delivers the pending events, oldest first (at most 10,000), in ONE statement (its own
   * durable transaction): it raises `last_seq` by their number, which takes the universe_state
   * row lock (publishes wait, so seqs stay gapless and commit in order), numbers them from the
   * seq it found under the lock, and marks them delivered at tick `tick`. Events that became
   * pending while it waited for the lock go with the next tick. Returns them in seq order, and
   * the last seq after them (null when the universe_state row is missing). Publish them after
   * it returns.
   */
  async deliverPending(tick: bigint, at: Date): Promise<{ delivered: EventRow[]; lastSeq: bigint | null }> {
    const rows = await this.prisma.$queryRaw<
      (EventRow & { lastSeq: bigint | null })[]
    >`/* prepared: event-log-deliver */
      WITH pending AS (
        SELECT id, row_number() OVER (ORDER BY created_at, id) AS n
          FROM events WHERE status = 'PENDING' ORDER BY created_at, id LIMIT ${MAX_PROPAGATED}),
      s AS (UPDATE universe_state SET last_seq = last_seq + (SELECT count(*) FROM pending)
             WHERE id = 1 RETURNING last_seq, last_seq - (SELECT count(*) FROM pending) AS base),
      d AS (
        UPDATE events e SET seq = s.base + p.n, status = 'DELIVERED', tick = ${tick}, delivered_at = ${at}
          FROM pending p, s WHERE e.id = p.id
        RETURNING e.id, e.seq, e.type, e.source_game_id AS "sourceGameId", e.target_game_id AS "targetGameId",
                  e.target_realm AS "targetRealm", e.recipient_game_ids AS "recipientGameIds", e.broadcast, e.data,
                  e.delivery::text AS delivery, e.status::text AS status, e.tick, e.idempotency_key AS "idempotencyKey",
                  e.request_hash AS "requestHash", e.created_at AS "createdAt", e.delivered_at AS "deliveredAt",
                  e.source_player_id::text AS "sourcePlayerId", e.target_room_id::text AS "targetRoomId",
                  e.target_player_id::text AS "targetPlayerId", e.audience_player_ids::text[] AS "audiencePlayerIds")
      SELECT d.*, s.last_seq AS "lastSeq" FROM s LEFT JOIN d ON true ORDER BY d.seq`;
    const lastSeq = rows[0]?.lastSeq ?? null;
    const delivered = rows.flatMap(({ lastSeq: _, ...e }) => (e.id === null ? [] : [e as EventRow]));
    return { delivered, lastSeq };
  }

  /**
   * Publishes delivered events in seq order, several to a bus message (at most
   * `MAX_EVENTS_PER_MESSAGE`): a committed batch is one message, not one per event. The messages
   * are sent together (one connection keeps their order), not one round trip each. A lost
   * publish is logged, not thrown: nodes read what they missed from Postgres.
   */
  async publish(rows: EventRow[]): Promise<void> {
    const messages: EventRow[][] = [];
    for (let i = 0; i < rows.length; i += MAX_EVENTS_PER_MESSAGE)
      messages.push(rows.slice(i, i + MAX_EVENTS_PER_MESSAGE));
    await Promise.all(
      messages.map((m) =>
        this.channels
          .publish(channels.events, m)
          .catch((err: unknown) =>
            this.logger.warn(
              { err, seqs: `${m[0]!.seq?.toString()}-${m.at(-1)!.seq?.toString()}` },
              "events stored but not published",
            ),
          ),
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
          RETURNING seq, source_game_id, octet_length(data::text) AS bytes),
        -- What the pruned events held no longer counts against their games' storedEventBytes.
        freed AS (
          UPDATE games g SET stored_event_bytes = g.stored_event_bytes - f.bytes
            FROM (SELECT source_game_id, sum(bytes)::bigint AS bytes FROM gone
                   WHERE source_game_id IS NOT NULL GROUP BY source_game_id) f
           WHERE g.id = f.source_game_id)
        SELECT max(seq) AS seq, count(*) AS n FROM gone`;
      if (row?.seq) {
        await tx.$executeRaw`UPDATE universe_state SET pruned_seq = GREATEST(pruned_seq, ${row.seq}) WHERE id = 1`;
      }
      return Number(row?.n ?? 0);
    });
  }
}
