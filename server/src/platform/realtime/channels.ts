import { jsonChannel, type Channel } from "../bus/channel-bus.ts";
import type { Game, Player, Prisma } from "../../generated/prisma/client.ts";

// Every bus channel, with its payload type and how it travels, in one place. Owners publish and
// subscribe through `ChannelBus`; nothing else names a channel. docs/architecture.md, "The bus".

/** A stored event, as Postgres has it. */
export type EventRow = Prisma.EventGetPayload<object>;

/** Why a player came online or went offline, or moved (the API's PresenceCause enum). */
export const PresenceCause = {
  MOVED: "MOVED",
  CONNECTED: "CONNECTED",
  DISCONNECTED: "DISCONNECTED",
  EXPIRED: "EXPIRED",
} as const;
export type PresenceCause = (typeof PresenceCause)[keyof typeof PresenceCause];

/** Whether a player joined or left a room's occupants (the API's OccupantChangeKind enum). */
export const OccupantChangeKind = { JOINED: "JOINED", LEFT: "LEFT" } as const;
export type OccupantChangeKind = (typeof OccupantChangeKind)[keyof typeof OccupantChangeKind];

/** A change to a room's occupants. */
export interface OccupantChange {
  kind: OccupantChangeKind;
  playerId: string;
  cause: PresenceCause;
}

/** An occupant: a player in the room who is online. */
export type Occupant = Player & { online: true };

/** A room's occupants after a change: the full list, so a watcher never has to merge. */
export interface RoomMessage {
  roomId: string;
  version: bigint;
  occupants: Occupant[];
  change: OccupantChange | null;
}

/** A player's room after a move (null: in no room). */
export interface PlayerMoved {
  playerId: string;
  roomId: string | null;
}

/** A player coming online or going offline. */
export interface PresenceMessage {
  gameId: string;
  playerId: string;
  online: boolean;
  cause: PresenceCause;
  at: Date;
}

/** One control tick. */
export interface TickMessage {
  number: string;
  startedAt: string;
  durationMs: number;
  gamesSynced: number;
  eventsPropagated: number;
  /** The last delivered seq when the tick ended: lets every node notice lost events. */
  lastSeq: string;
  /**
   * The games version (`games_version`) the tick read: whose local tick it was (ACTIVE, and
   * `number % tickEvery === 0`) each node works out from the games as of that version.
   */
  gamesVersion: string;
  /** The node that drove it. */
  leader: string;
  /** How long the leader held it back, once due, for games to finish the tick before. */
  waitedMs: number;
  /** The games the leader waited for and gave up on (they had not reported the tick before), by id. */
  lateGameIds: string[];
}

/** A game finished tick `number` (completeTick): heard by the tick leader, wherever it runs. */
export interface TickDone {
  number: string;
  gameId: string;
}

/**
 * What a `games` message says happened to a game (the API's GameChangeKind enum). SNAPSHOT is
 * the subscription's first message (every game the watcher may see), never on the bus.
 */
export const GameChangeKind = {
  SNAPSHOT: "SNAPSHOT",
  REGISTERED: "REGISTERED",
  UPDATED: "UPDATED",
  STATUS_CHANGED: "STATUS_CHANGED",
  KEY_ROTATED: "KEY_ROTATED",
  STALE: "STALE",
  HEALTHY: "HEALTHY",
  UNREGISTERED: "UNREGISTERED",
} as const;
export type GameChangeKind = (typeof GameChangeKind)[keyof typeof GameChangeKind];

/** A game as a `games` message carries it: its row without the key's hash and the stored-bytes count. */
export type GameCard = Omit<Game, "apiKeyHash" | "storedEventBytes">;

/** A change to one game, with the game as the change left it (its `version` orders changes to it). */
export interface GameChangeMessage {
  kind: Exclude<GameChangeKind, "SNAPSHOT">;
  game: GameCard;
  at: Date;
}

/** Which credentials stopped being valid, and why. */
export type CredentialEnd =
  { why: "key-rotated" | "game-unregistered"; gameId: string } | { why: "developer-key-rotated"; developerId: string };

const date = (v: string | null) => (v === null ? null : new Date(v));
const bigint = (v: string | null) => (v === null ? null : BigInt(v));

/** `T` as JSON carries it: bigints as decimal strings, dates as ISO strings. */
type Wire<T> = {
  [K in keyof T]: T[K] extends Date
    ? string
    : T[K] extends Date | null
      ? string | null
      : T[K] extends bigint
        ? string
        : T[K] extends bigint | null
          ? string | null
          : T[K];
};

/** One event as it travels: bigints (seq and tick) as strings. */
const eventToWire = (e: EventRow) =>
  // The bigints are seq and tick (data is JSON: none in it), so no replacer walks every value.
  JSON.stringify({ ...e, seq: e.seq?.toString() ?? null, tick: e.tick?.toString() ?? null });

const eventFromWire = (w: Wire<EventRow>): EventRow => ({
  ...w,
  seq: bigint(w.seq),
  tick: bigint(w.tick),
  createdAt: new Date(w.createdAt),
  deliveredAt: date(w.deliveredAt),
});

/**
 * Delivered events, several to a message (a committed batch, in seq order): one publish and one
 * decode per batch, not per event. A message holding one bare event (what a node before
 * batching sends) is read as a batch of one.
 */
const events: Channel<EventRow[]> = {
  name: "events",
  encode: (rows) => `[${rows.map(eventToWire).join(",")}]`,
  decode: (text) => {
    const w = JSON.parse(text) as Wire<EventRow> | Wire<EventRow>[];
    return Array.isArray(w) ? w.map(eventFromWire) : [eventFromWire(w)];
  },
};

const occupant = (w: Wire<Occupant>): Occupant => ({
  ...w,
  lastSeenAt: date(w.lastSeenAt),
  createdAt: new Date(w.createdAt),
});

const room = (roomId: string): Channel<RoomMessage> => ({
  name: `room:${roomId}`,
  // The version is the only bigint (occupants are players: dates, which JSON writes as ISO), so
  // no replacer walks every occupant's every field.
  encode: (m) => JSON.stringify({ ...m, version: m.version.toString() }),
  decode: (text) => {
    const w = JSON.parse(text) as Omit<Wire<RoomMessage>, "occupants"> & { occupants: Wire<Occupant>[] };
    return { ...w, version: BigInt(w.version), occupants: w.occupants.map(occupant) };
  },
});

const presence = (gameId: string): Channel<PresenceMessage> => ({
  name: `presence:${gameId}`,
  encode: (m) => JSON.stringify(m),
  decode: (text) => {
    const w = JSON.parse(text) as Wire<PresenceMessage>;
    return { ...w, at: new Date(w.at) };
  },
});

/**
 * The card of `g`, field by field: whatever row a publisher hands over, the key's hash never
 * goes on the bus.
 */
export function gameCard(g: GameCard): GameCard {
  return {
    id: g.id,
    name: g.name,
    developerId: g.developerId,
    developerName: g.developerName,
    description: g.description,
    status: g.status,
    tickEvery: g.tickEvery,
    registeredAt: g.registeredAt,
    lastHeartbeatAt: g.lastHeartbeatAt,
    quotas: g.quotas,
    version: g.version,
    staleSince: g.staleSince,
    playerEventTypes: g.playerEventTypes,
    tickBarrier: g.tickBarrier,
  };
}

const games: Channel<GameChangeMessage> = {
  name: "games",
  // The version is the only bigint: no replacer walks the quotas.
  encode: (m) => JSON.stringify({ ...m, game: { ...gameCard(m.game), version: m.game.version.toString() } }),
  decode: (text) => {
    const w = JSON.parse(text) as Omit<Wire<GameChangeMessage>, "game"> & { game: Wire<GameCard> };
    const g = w.game;
    return {
      kind: w.kind,
      at: new Date(w.at),
      game: {
        ...g,
        version: BigInt(g.version),
        registeredAt: new Date(g.registeredAt),
        lastHeartbeatAt: date(g.lastHeartbeatAt),
        staleSince: date(g.staleSince),
      },
    };
  },
};

/** A CredentialEnd, or a throw for anything else (the bus drops it). */
function credentialEnd(m: unknown): CredentialEnd {
  const o = (typeof m === "object" && m !== null ? m : {}) as Record<string, unknown>;
  if ((o["why"] === "key-rotated" || o["why"] === "game-unregistered") && typeof o["gameId"] === "string") {
    return { why: o["why"], gameId: o["gameId"] };
  }
  if (o["why"] === "developer-key-rotated" && typeof o["developerId"] === "string") {
    return { why: o["why"], developerId: o["developerId"] };
  }
  throw new Error("not a credential end");
}

/** A tick as sent; one from a leader before the tick barrier (no waitedMs, lateGameIds) waited for nobody. */
function tickMessage(m: unknown): TickMessage {
  const t = m as Partial<TickMessage>;
  return { ...(t as TickMessage), waitedMs: t.waitedMs ?? 0, lateGameIds: t.lateGameIds ?? [] };
}

/** A TickDone, or a throw for anything else (the bus drops it). */
function tickDone(m: unknown): TickDone {
  const o = (typeof m === "object" && m !== null ? m : {}) as Record<string, unknown>;
  if (typeof o["number"] === "string" && typeof o["gameId"] === "string")
    return { number: o["number"], gameId: o["gameId"] };
  throw new Error("not a tick completion");
}

export const channels = {
  /** Every delivered event, in batches, in `seq` order per publisher (EventLog publishes, EventFeed listens). */
  events,
  /** Every control tick (TickLeader publishes, TickHub listens). */
  ticks: jsonChannel<TickMessage>("ticks", tickMessage),
  /** Games reporting the ticks they finished (completeTick publishes, the TickBarrier of each would-be leader listens). */
  tickDone: jsonChannel<TickDone>("tick-done", tickDone),
  /** Presence changes of one game (Presence publishes, the presence subscription listens). */
  presence,
  /** Occupants of one room after each change (RoomOccupancy publishes, roomOccupants listens). */
  room,
  /** One player's moves, where it went (RoomOccupancy publishes, myRoom listens). */
  player: (playerId: string) => jsonChannel<PlayerMoved>(`player:${playerId}`),
  /** A key was rotated or a game unregistered: live connections holding it end (CredentialWatch). */
  credentials: jsonChannel<CredentialEnd>("credentials", credentialEnd),
  /** Registrations, changes, health and unregistrations of games (GameChanges publishes, the games subscription listens). */
  games,
} as const;
