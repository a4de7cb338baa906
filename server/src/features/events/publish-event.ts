import { createHash, randomUUID } from "node:crypto";
import { GraphQLError } from "graphql";
import { checkGame, type GameRef } from "../../platform/auth/access.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import type { PrismaClient } from "../../platform/db/client.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { apiError, badInput, conflict, ErrorCode, forbidden, notFound } from "../../platform/errors/errors.ts";
import { selectorWhere } from "../realms/realm-selector.input.ts";
import type { EventRow } from "../../platform/realtime/channels.ts";
import type { NewEvent } from "../../platform/realtime/event-log.ts";
import type { Services } from "../../platform/services.ts";
import type { PublishEventInput } from "./publish-event.input.ts";
import { unstorable } from "./storable-json.ts";
import { stableJson } from "./stable-json.ts";

/** A key race (two retries of one key at once) is settled by looking again, at most this often. */
const KEY_RACE_ATTEMPTS = 3;

/** How a problem with input `i`'s `field` is named: `data` alone, or `inputs.3.data` in a list. */
type Namer = (i: number, field: string) => string;
const single: Namer = (_i, field) => field;
const listed: Namer = (i, field) => `inputs.${i}.${field}`;

function requestHash(input: PublishEventInput, data: unknown, targetRealm: object | null): string {
  const canonical = stableJson({
    type: input.type,
    targetGameId: input.targetGameId ?? null,
    targetRealm,
    // Only when given, so the hashes of events stored before rooms and players were targets hold.
    ...(input.targetRoomId ? { targetRoomId: input.targetRoomId } : {}),
    ...(input.targetPlayerId ? { targetPlayerId: input.targetPlayerId } : {}),
    data,
    delivery: input.delivery,
  });
  return createHash("sha256").update(canonical).digest("hex");
}

/** Who publishes: a game, a player of a game (with its token), or the admin (both null). */
interface Source {
  gameId: string | null;
  playerId: string | null;
}

function sourceOf(p: Principal): Source {
  if (p.kind === "game") return { gameId: p.gameId, playerId: null };
  if (p.kind === "player") return { gameId: p.gameId, playerId: p.playerId };
  return { gameId: null, playerId: null };
}

/** One input, checked and hashed: what it asks for, before routing. */
interface Checked {
  input: PublishEventInput;
  data: unknown;
  selector: object | null;
  targetGameId: string | null;
  targetRoomId: string | null;
  targetPlayerId: string | null;
  key: string | null;
  /** The request's hash, what a retry of `key` is compared on; "" without a key (nothing compares it). */
  hash: string;
}

/** Checks input `i` on its own (data size and content, the selector); BAD_USER_INPUT naming it. */
function check(services: Services, input: PublishEventInput, i: number, name: Namer): Checked {
  const maxDataBytes = services.config.maxEventDataBytes;
  const data = input.data === undefined || input.data === null ? {} : input.data;
  const json = JSON.stringify(data);
  const size = Buffer.byteLength(json);
  if (size > maxDataBytes) {
    throw badInput(`${name(i, "data")} is ${size} bytes; the limit is ${maxDataBytes} bytes`, name(i, "data"));
  }
  const why = unstorable(data);
  if (why) throw badInput(`${name(i, "data")} ${why}: Postgres cannot store it`, name(i, "data"));
  const selector = input.targetRealm ? selectorWhere(input.targetRealm) : null;
  if (selector && Object.keys(selector).length === 0) {
    throw badInput(
      `${name(i, "targetRealm")} needs at least one of realmType, adjacency, resonance`,
      name(i, "targetRealm"),
    );
  }
  const kinds = [
    input.targetGameId || selector ? "a game or realm (targetGameId, targetRealm)" : null,
    input.targetRoomId ? "a room (targetRoomId)" : null,
    input.targetPlayerId ? "a player (targetPlayerId)" : null,
  ].filter((k) => k !== null);
  if (kinds.length > 1) {
    const field = input.targetPlayerId ? "targetPlayerId" : "targetRoomId";
    throw badInput(
      `${name(i, field)}: an event has one kind of target; this one names ${kinds.join(" and ")}`,
      name(i, field),
    );
  }
  const key = input.idempotencyKey ?? null;
  return {
    input,
    data,
    selector,
    targetGameId: input.targetGameId ?? null,
    targetRoomId: input.targetRoomId ?? null,
    targetPlayerId: input.targetPlayerId ?? null,
    key,
    hash: key === null ? "" : requestHash(input, data, selector),
  };
}

/**
 * The events already stored under the inputs' idempotency keys, by input index: a retry
 * answers what was stored, whatever happened to the target since; a key reused for other
 * content is CONFLICT. One query however many keys.
 */
async function storedByKey(
  services: Services,
  source: Source,
  checked: Checked[],
  name: Namer,
): Promise<Map<number, EventRow>> {
  const keyed = checked.flatMap((c, i) => (c.key ? [[i, c.key] as const] : []));
  const found = new Map<number, EventRow>();
  if (keyed.length === 0) return found;
  const rows = await services.realtime.log.findByKeys(
    source,
    keyed.map(([, k]) => k),
  );
  const byKey = new Map(rows.map((r) => [r.idempotencyKey!, r]));
  for (const [i, k] of keyed) {
    const row = byKey.get(k);
    if (!row) continue;
    if (row.requestHash !== checked[i]!.hash) {
      const where = name === single ? "" : ` (inputs.${i})`;
      throw conflict(`idempotencyKey "${k}"${where} was used for a different event: use a new key for new content`);
    }
    found.set(i, row);
  }
  return found;
}

/**
 * At most the source game's `eventsPerSecond` quota (RATE_LIMIT_EVENTS_PER_SECOND unless the
 * admin set another; the admin's own publishes: that setting) events per second, counted in the
 * bus so the limit holds across nodes; a list counts each of its events. A player publishes on
 * a budget of its own, RATE_LIMIT_PLAYER_EVENTS_PER_SECOND, not on its game's. Over it:
 * RATE_LIMITED, with the milliseconds to wait.
 */
async function limitRate(services: Services, source: Source, events: number): Promise<void> {
  const { config } = services;
  const [limit, who, bucket] = source.playerId
    ? [config.rateLimitPlayerEventsPerSecond, "player", `player:${source.playerId}`]
    : source.gameId
      ? [(await services.quotas.of(source.gameId)).eventsPerSecond, "game", source.gameId]
      : [config.rateLimitEventsPerSecond, "game", "@admin"];
  const now = Date.now();
  const second = Math.floor(now / 1000);
  const n = await services.bus.hit(`publish:${bucket}:${second}`, 2000, events);
  if (n > limit) {
    throw apiError(ErrorCode.RateLimited, `At most ${limit} events per second per ${who}: slow down and retry`, {
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

/** `err` with the input's place in front of its message, when it came from a list. */
function placed(err: unknown, i: number, name: Namer, field = "targetGameId"): unknown {
  if (name === single || !(err instanceof GraphQLError)) return err;
  return new GraphQLError(`inputs.${i}: ${err.message}`, {
    extensions: { ...err.extensions, field: name(i, field) },
  });
}

/** A player publishing: where it is now and what its game lets it send. */
interface Actor {
  playerId: string;
  gameId: string;
  roomId: string | null;
  allowed: string[];
}

/** The publishing player as it is now (its token names it; a deleted player is NOT_FOUND). */
async function actorOf(prisma: PrismaClient, p: Principal & { kind: "player" }): Promise<Actor> {
  const player = await prisma.player.findUnique({
    where: { id: p.playerId },
    select: { roomId: true, game: { select: { playerEventTypes: true } } },
  });
  if (!player) throw notFound("Player", p.playerId);
  return { playerId: p.playerId, gameId: p.gameId, roomId: player.roomId, allowed: player.game.playerEventTypes };
}

/**
 * What a player may publish: its game's playerEventTypes, to its current room, to a player of
 * its game (checked when routed) or to its game's server alone (no target). FORBIDDEN otherwise,
 * saying what is allowed.
 */
function checkActor(actor: Actor, c: Checked, i: number, name: Namer): void {
  if (!actor.allowed.includes(c.input.type)) {
    throw forbidden(
      actor.allowed.length === 0
        ? `${where(i, name, "type")}Players of game "${actor.gameId}" may publish no event types: its owners list them in playerEventTypes (registerGame, updateGame)`
        : `${where(i, name, "type")}Players of game "${actor.gameId}" may publish only these event types: ${actor.allowed.join(", ")}`,
    );
  }
  if (c.targetGameId || c.selector) {
    throw forbidden(
      `${where(i, name, c.targetGameId ? "targetGameId" : "targetRealm")}A player publishes to its current room (targetRoomId), to a player of its game (targetPlayerId), or to its game's server (no target); not to games or realms`,
    );
  }
  if (c.targetRoomId && c.targetRoomId !== actor.roomId) {
    throw forbidden(
      `${where(i, name, "targetRoomId")}A player publishes only to its current room (${actor.roomId === null ? "it is in no room" : `room ${actor.roomId}`})`,
    );
  }
}

/** "inputs.3.type: " in front of a message about an input of a list; nothing for a single input. */
const where = (i: number, name: Namer, field: string) => (name === single ? "" : `${name(i, field)}: `);

/** A room or player target as loaded: its game, and who may see an event sent to it. */
interface Reached {
  game: GameRef;
  audience: string[];
}

/**
 * The rooms and players `fresh` targets, each once, with their games and their audiences: a
 * room's players now (online or not: a player who reconnects replays what was said while it was
 * away), or the player itself. Two queries at most, whatever the number of inputs.
 */
async function reachedTargets(prisma: PrismaClient, fresh: Checked[]) {
  const roomIds = [...new Set(fresh.flatMap((c) => (c.targetRoomId ? [c.targetRoomId] : [])))];
  const playerIds = [...new Set(fresh.flatMap((c) => (c.targetPlayerId ? [c.targetPlayerId] : [])))];
  const game = { select: { id: true, developerId: true, status: true } } as const;
  const [rooms, players] = await Promise.all([
    roomIds.length === 0
      ? []
      : prisma.room.findMany({
          where: { id: { in: roomIds } },
          select: { id: true, realm: { select: { game } }, players: { select: { id: true }, orderBy: { id: "asc" } } },
        }),
    playerIds.length === 0
      ? []
      : prisma.player.findMany({ where: { id: { in: playerIds } }, select: { id: true, game } }),
  ]);
  return {
    rooms: new Map<string, Reached>(
      rooms.map((r) => [r.id, { game: r.realm.game, audience: r.players.map((x) => x.id) }]),
    ),
    players: new Map<string, Reached>(players.map((x) => [x.id, { game: x.game, audience: [x.id] }])),
  };
}

/**
 * Routes the fresh inputs: checks each target (NOT_FOUND, or BAD_USER_INPUT when unregistered)
 * and resolves realm selectors to recipients, each distinct target and selector once. A room or
 * a player target must be of a game the sender manages (a player: its own game's, checked by
 * `checkActor` for its room); its audience is fixed here.
 */
async function route(
  services: Services,
  p: Principal,
  source: Source,
  fresh: [number, Checked][],
  name: Namer,
): Promise<NewEvent[]> {
  const { prisma } = services;
  const targetIds = [...new Set(fresh.flatMap(([, c]) => (c.targetGameId ? [c.targetGameId] : [])))];
  const [targets, reached] = await Promise.all([
    targetIds.length === 0
      ? new Map<string, GameRef>()
      : prisma.game
          .findMany({ where: { id: { in: targetIds } }, select: { id: true, developerId: true, status: true } })
          .then((games) => new Map(games.map((g) => [g.id, g]))),
    reachedTargets(
      prisma,
      fresh.map(([, c]) => c),
    ),
  ]);
  // A player reaches rooms and players of its own game; a game, those of its game; the admin, any.
  const level = p.kind === "player" ? "private" : "manage";
  const recipients = new Map<string, Promise<string[]>>();
  const now = new Date();
  // The events of one call share their creation time; the tick delivers pending events in
  // (created_at, id) order, so their ids share a random prefix and end in their input order.
  const prefix = randomUUID().slice(0, 24);
  return Promise.all(
    fresh.map(async ([i, c], j) => {
      if (c.targetGameId) {
        const target = targets.get(c.targetGameId) ?? null;
        try {
          checkGame(p, target, "directory", { what: "Game", id: c.targetGameId });
        } catch (err) {
          throw placed(err, i, name);
        }
        if (target.status === "UNREGISTERED") {
          throw badInput(
            `${where(i, name, "targetGameId")}Game "${c.targetGameId}" is unregistered and receives no events`,
            name(i, "targetGameId"),
          );
        }
      }
      let recipientGameIds: string[] = [];
      let audiencePlayerIds: string[] = [];
      const direct = c.targetRoomId
        ? { what: "Room", field: "targetRoomId", id: c.targetRoomId, to: reached.rooms.get(c.targetRoomId) }
        : c.targetPlayerId
          ? { what: "Player", field: "targetPlayerId", id: c.targetPlayerId, to: reached.players.get(c.targetPlayerId) }
          : null;
      if (direct) {
        const game = direct.to?.game ?? null;
        try {
          checkGame(p, game, level, { what: direct.what, id: direct.id, seen: "private" });
        } catch (err) {
          throw placed(err, i, name, direct.field);
        }
        recipientGameIds = [game.id];
        audiencePlayerIds = direct.to!.audience;
        // A whisper's sender sees it too (its own stream shows the conversation).
        if (c.targetPlayerId && source.playerId && source.playerId !== c.targetPlayerId) {
          audiencePlayerIds = [c.targetPlayerId, source.playerId];
        }
      } else if (c.selector) {
        const k = stableJson([c.selector, c.targetGameId]);
        let found = recipients.get(k);
        if (!found) recipients.set(k, (found = realmRecipients(prisma, c.selector, c.targetGameId)));
        recipientGameIds = await found;
      } else if (c.targetGameId) {
        recipientGameIds = [c.targetGameId];
      } else if (source.playerId) {
        // A player's command: its own game's server alone.
        recipientGameIds = [source.gameId!];
      }
      return {
        id: prefix + j.toString(16).padStart(12, "0"),
        type: c.input.type,
        sourceGameId: source.gameId,
        sourcePlayerId: source.playerId,
        targetGameId: c.targetGameId,
        targetRealm: c.selector,
        targetRoomId: c.targetRoomId,
        targetPlayerId: c.targetPlayerId,
        recipientGameIds,
        audiencePlayerIds,
        broadcast: recipientGameIds.length === 0 && !c.targetGameId && !c.selector,
        data: c.data,
        idempotencyKey: c.key,
        requestHash: c.hash,
        createdAt: now,
        delivery: c.input.delivery === "NEXT_TICK" ? "NEXT_TICK" : "IMMEDIATE",
      } satisfies NewEvent;
    }),
  );
}

/**
 * Validates, routes and stores a list of events, all or none, answering them in input order:
 * IMMEDIATE ones delivered at once with consecutive seqs in input order, NEXT_TICK ones pending
 * for the control tick. An input whose idempotency key was stored before answers that event
 * (and spends no rate budget).
 */
async function publish(
  services: Services,
  p: Principal,
  inputs: PublishEventInput[],
  name: Namer,
): Promise<EventRow[]> {
  const { log } = services.realtime;
  const source = sourceOf(p);
  const checked = inputs.map((input, i) => check(services, input, i, name));
  const firstWithKey = new Map<string, number>();
  checked.forEach((c, i) => {
    if (!c.key) return;
    const first = firstWithKey.get(c.key);
    if (first !== undefined) {
      throw badInput(
        `${name(i, "idempotencyKey")} repeats the key of inputs.${first}: one key names one event`,
        name(i, "idempotencyKey"),
      );
    }
    firstWithKey.set(c.key, i);
  });
  let limited = false;
  for (let attempt = 1; ; attempt++) {
    const stored = await storedByKey(services, source, checked, name);
    const fresh = checked.flatMap((c, i) => (stored.has(i) ? [] : [[i, c] as [number, Checked]]));
    if (fresh.length === 0) return checked.map((_, i) => stored.get(i)!);
    if (!limited) {
      // After the replay: a retry answers what was stored, whatever the player may do since.
      if (p.kind === "player") {
        const actor = await actorOf(services.prisma, p);
        for (const [i, c] of fresh) checkActor(actor, c, i, name);
      }
      // A retry answers what was stored without spending the budget.
      await limitRate(services, source, fresh.length);
    }
    limited = true;
    const events = await route(services, p, source, fresh, name);
    try {
      const rows = await log.append(events);
      fresh.forEach(([i], j) => stored.set(i, rows[j]!));
      return checked.map((_, i) => stored.get(i)!);
    } catch (err) {
      // A key was stored meanwhile (two retries raced): look again; the loser answers the winner's event.
      if (attempt < KEY_RACE_ATTEMPTS && firstWithKey.size > 0 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

/**
 * Validates, routes and stores an event in the log (realtime/event-log.ts): IMMEDIATE events are
 * delivered at once with the next `seq`; NEXT_TICK events wait for the control tick. A retried
 * `idempotencyKey` returns the event stored the first time.
 */
export async function publishEvent(services: Services, p: Principal, input: PublishEventInput): Promise<EventRow> {
  const [row] = await publish(services, p, [input], single);
  return row!;
}

/**
 * Publishes a list of events (at most MAX_EVENTS_PER_PUBLISH), all or none: any invalid input
 * is BAD_USER_INPUT naming its index (`inputs.3.data`) and nothing is stored. Delivered ones get
 * consecutive seqs in input order. Each input's idempotency key behaves as in `publishEvent`.
 */
export async function publishEvents(
  services: Services,
  p: Principal,
  inputs: PublishEventInput[],
): Promise<EventRow[]> {
  const max = services.config.maxEventsPerPublish;
  if (inputs.length === 0 || inputs.length > max) {
    throw badInput(`inputs must hold 1–${max} events (MAX_EVENTS_PER_PUBLISH); it holds ${inputs.length}`, "inputs");
  }
  return publish(services, p, inputs, listed);
}
