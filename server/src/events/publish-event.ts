import { createHash, randomUUID } from "node:crypto";
import { requireGame } from "../auth/access.ts";
import type { Principal } from "../auth/principal.ts";
import type { PrismaClient } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { apiError, badInput, conflict, ErrorCode } from "../errors/errors.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { selectorWhere } from "../realms/realm-selector.input.ts";
import { Channel } from "../realtime/topics.ts";
import type { Services } from "../services.ts";
import { eventToWire, type EventRow } from "./event-wire.ts";
import type { PublishEventInput } from "./publish-event.input.ts";
import { stableJson } from "./stable-json.ts";

function requestHash(input: PublishEventInput, data: unknown, targetRealm: object | null): string {
  const canonical = stableJson({
    type: input.type,
    targetGameId: input.targetGameId ?? null,
    targetRealm,
    data,
    delivery: input.delivery,
  });
  return createHash("sha256").update(canonical).digest("hex");
}

/** The stored event for a retried key, if the retry asks for the same thing; CONFLICT if not. */
async function replay(
  prisma: PrismaClient,
  source: string | null,
  key: string,
  hash: string,
): Promise<EventRow | null> {
  const existing = await prisma.event.findFirst({ where: { sourceGameId: source, idempotencyKey: key } });
  if (existing && existing.requestHash !== hash) {
    throw conflict(`idempotencyKey "${key}" was used for a different event: use a new key for new content`);
  }
  return existing;
}

/**
 * At most RATE_LIMIT_EVENTS_PER_SECOND publishes per source per second, counted in the bus so
 * the limit holds across nodes. Over it: RATE_LIMITED, with the milliseconds to wait.
 */
async function limitRate(services: Services, sourceGameId: string | null): Promise<void> {
  const limit = services.config.rateLimitEventsPerSecond;
  const now = Date.now();
  const second = Math.floor(now / 1000);
  const n = await services.bus.hit(`publish:${sourceGameId ?? "@admin"}:${second}`, 2000);
  if (n > limit) {
    throw apiError(ErrorCode.RateLimited, `At most ${limit} events per second per game: slow down and retry`, {
      retryAfterMs: (second + 1) * 1000 - now,
    });
  }
}

/**
 * Stores an IMMEDIATE event with the next seq and the current tick in ONE statement: the
 * universe_state row lock, which every publisher and the tick leader take, is held for a
 * single round trip (an interactive transaction would hold it across several). The lock is
 * released at this statement's commit, so commit order is still seq order.
 */
async function insertDelivered(
  prisma: PrismaClient,
  f: {
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
  },
): Promise<EventRow> {
  const inserted = await prisma.$executeRaw`
    WITH s AS (UPDATE universe_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, current_tick)
    INSERT INTO events (id, seq, tick, type, source_game_id, target_game_id, target_realm, recipient_game_ids,
                        broadcast, data, delivery, status, idempotency_key, request_hash, created_at, delivered_at)
    SELECT ${f.id}::uuid, s.last_seq, s.current_tick, ${f.type}, ${f.sourceGameId}, ${f.targetGameId},
           ${f.targetRealm === null ? null : JSON.stringify(f.targetRealm)}::jsonb, ${f.recipientGameIds}::text[],
           ${f.broadcast}, ${JSON.stringify(f.data)}::jsonb, 'IMMEDIATE', 'DELIVERED',
           ${f.idempotencyKey}, ${f.requestHash}, ${f.createdAt}, ${f.createdAt}
      FROM s`;
  if (inserted !== 1) throw new Error("universe_state row is missing: run the migrations");
  return prisma.event.findUniqueOrThrow({ where: { id: f.id } });
}

/** The games a realm selector reaches (within `targetGameId` when given). */
async function realmRecipients(prisma: PrismaClient, selector: object, targetGameId: string | null): Promise<string[]> {
  const realms = await prisma.realm.findMany({
    where: {
      ...selector,
      ...(targetGameId ? { gameId: targetGameId } : {}),
      game: { status: { not: "UNREGISTERED" } },
    },
    select: { gameId: true },
    distinct: ["gameId"],
    orderBy: { gameId: "asc" },
  });
  return realms.map((r) => r.gameId);
}

/**
 * Validates, routes and stores an event. IMMEDIATE events get the next `seq` and the current
 * tick in the same transaction, under the `universe_state` row lock, so seqs are gapless and
 * commit in order. NEXT_TICK events are stored PENDING for the control tick to deliver. A
 * retried `idempotencyKey` returns the event stored the first time.
 */
export async function publishEvent(services: Services, p: Principal, input: PublishEventInput): Promise<EventRow> {
  const { prisma, bus, logger } = services;
  const maxDataBytes = services.config.maxEventDataBytes;
  const sourceGameId = p.kind === "game" ? p.gameId : null;
  if (sourceGameId) await requireGame(prisma, p, sourceGameId, "manage");

  const data = input.data === undefined || input.data === null ? {} : input.data;
  const json = JSON.stringify(data);
  const size = Buffer.byteLength(json);
  if (size > maxDataBytes) {
    throw badInput(`data is ${size} bytes; the limit is ${maxDataBytes} bytes`, "data");
  }
  if (json.includes("\\u0000")) {
    throw badInput("data must not contain the NUL character (U+0000): Postgres cannot store it", "data");
  }
  const selector = input.targetRealm ? selectorWhere(input.targetRealm) : null;
  if (selector && Object.keys(selector).length === 0) {
    throw badInput("targetRealm needs at least one of realmType, adjacency, resonance", "targetRealm");
  }
  const targetGameId = input.targetGameId ?? null;
  const hash = requestHash(input, data, selector);
  const key = input.idempotencyKey ?? null;
  if (key) {
    // A retry answers what was stored, whatever happened to the target since.
    const previous = await replay(prisma, sourceGameId, key, hash);
    if (previous) return previous;
  }
  // After the replay: a retry answers what was stored without spending the budget.
  await limitRate(services, sourceGameId);
  if (targetGameId) {
    const target = await requireGame(prisma, p, targetGameId, "directory");
    if (target.status === "UNREGISTERED") {
      throw badInput(`Game "${targetGameId}" is unregistered and receives no events`, "targetGameId");
    }
  }

  const broadcast = !targetGameId && !selector;
  const recipientGameIds = selector
    ? await realmRecipients(prisma, selector, targetGameId)
    : targetGameId
      ? [targetGameId]
      : [];
  const immediate = input.delivery === "IMMEDIATE";
  const now = new Date();

  const fields = {
    id: randomUUID(),
    type: input.type,
    sourceGameId,
    targetGameId,
    targetRealm: selector,
    recipientGameIds,
    broadcast,
    data,
    idempotencyKey: key,
    requestHash: hash,
    createdAt: now,
  };
  let stored: EventRow;
  try {
    stored = immediate
      ? await insertDelivered(prisma, fields)
      : await prisma.event.create({
          data: {
            ...fields,
            targetRealm: selector ?? undefined,
            data: data as Prisma.InputJsonValue,
            delivery: "NEXT_TICK",
            status: "PENDING",
          },
        });
  } catch (err) {
    // Two retries raced: the loser answers with the winner's event.
    if (key && isUniqueViolation(err)) {
      const winner = await replay(prisma, sourceGameId, key, hash);
      if (winner) return winner;
    }
    throw err;
  }
  if (stored.status === "DELIVERED") {
    // After the commit, never before. If this is lost, nodes notice the gap on the next event
    // or tick and read the event from Postgres.
    await bus
      .publish(Channel.events, eventToWire(stored))
      .catch((err: unknown) => logger.warn({ err, seq: stored.seq?.toString() }, "event stored but not published"));
  }
  return stored;
}
