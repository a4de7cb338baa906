import { createHash, randomUUID } from "node:crypto";
import { requireGame } from "../../platform/auth/access.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import type { PrismaClient } from "../../platform/db/client.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { apiError, badInput, conflict, ErrorCode } from "../../platform/errors/errors.ts";
import { selectorWhere } from "../realms/realm-selector.input.ts";
import type { EventRow } from "../../platform/realtime/channels.ts";
import type { EventLog } from "../../platform/realtime/event-log.ts";
import type { Services } from "../../platform/services.ts";
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
async function replay(log: EventLog, source: string | null, key: string, hash: string): Promise<EventRow | null> {
  const existing = await log.findByKey(source, key);
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
 * Validates, routes and stores an event in the log (realtime/event-log.ts): IMMEDIATE events are
 * delivered at once with the next `seq`; NEXT_TICK events wait for the control tick. A retried
 * `idempotencyKey` returns the event stored the first time.
 */
export async function publishEvent(services: Services, p: Principal, input: PublishEventInput): Promise<EventRow> {
  const { prisma } = services;
  const { log } = services.realtime;
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
    const previous = await replay(log, sourceGameId, key, hash);
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
  try {
    return immediate ? await log.appendDelivered(fields) : await log.appendPending(fields);
  } catch (err) {
    // Two retries raced: the loser answers with the winner's event.
    if (key && isUniqueViolation(err)) {
      const winner = await replay(log, sourceGameId, key, hash);
      if (winner) return winner;
    }
    throw err;
  }
}
