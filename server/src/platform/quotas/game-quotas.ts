import type { GraphQLError } from "graphql";
import type { PrismaClient } from "../db/client.ts";
import { apiError, ErrorCode } from "../errors/errors.ts";

/** What one game may hold or do, whatever another game does (docs/architecture.md, "Quotas"). */
export interface Quotas {
  /** WebSocket connections of the game (its key and its players' tokens) on one node. */
  connections: number;
  /** Subscriptions on those connections, on one node. */
  subscriptions: number;
  /** Events the game may publish per second, across all nodes. */
  eventsPerSecond: number;
  /** Players the game may have. */
  players: number;
  /** Rooms across the game's realms. */
  rooms: number;
  /** Bytes of `data` (as Postgres writes it back) the game's events may hold in the log; retention frees them. */
  storedEventBytes: number;
}

export type QuotaName = keyof Quotas;

export const QUOTA_NAMES: readonly QuotaName[] = [
  "connections",
  "subscriptions",
  "eventsPerSecond",
  "players",
  "rooms",
  "storedEventBytes",
];

/** The largest value a count quota may be set to (a setting or an override). */
export const MAX_QUOTA = 1_000_000_000;
/** The largest `storedEventBytes` (1 PiB: still a safe integer). */
export const MAX_BYTES_QUOTA = 2 ** 50;

/** The largest value `name` may be set to. */
export function maxOf(name: QuotaName): number {
  return name === "storedEventBytes" ? MAX_BYTES_QUOTA : MAX_QUOTA;
}

/** The overrides a `games.quotas` value holds: whole numbers from 0 to the quota's maximum, anything else ignored. */
export function overridesOf(json: unknown): Partial<Quotas> {
  const out: Partial<Quotas> = {};
  if (typeof json !== "object" || json === null || Array.isArray(json)) return out;
  for (const name of QUOTA_NAMES) {
    const v = (json as Record<string, unknown>)[name];
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= maxOf(name)) out[name] = v;
  }
  return out;
}

/** The refusal of work that would take a game past `name`: RATE_LIMITED, reason QUOTA_EXCEEDED. */
export function quotaExceeded(gameId: string, name: QuotaName, limit: number, what: string): GraphQLError {
  return apiError(ErrorCode.RateLimited, `Game "${gameId}" holds its quota of ${limit} ${what}`, {
    reason: "QUOTA_EXCEEDED",
    quota: name,
    limit,
  });
}

/**
 * Each game's quotas (the node's settings, with the admin's overrides), read from Postgres at
 * most once per `ttlMs` per game on this node, and what the game holds on this node now
 * (connections, subscriptions). An override changed on this node applies at once (`forget`);
 * on other nodes, within `ttlMs`.
 */
export class GameQuotas {
  readonly #known = new Map<string, { until: number; quotas: Promise<Quotas> }>();
  readonly #held = new Map<string, { connections: number; subscriptions: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    readonly defaults: Quotas,
    private readonly ttlMs: number,
  ) {}

  /** `gameId`'s quotas now. */
  of(gameId: string): Promise<Quotas> {
    const now = Date.now();
    const known = this.#known.get(gameId);
    if (known && known.until > now) return known.quotas;
    const quotas = this.prisma.game
      .findUnique({ where: { id: gameId }, select: { quotas: true } })
      .then((row) => ({ ...this.defaults, ...overridesOf(row?.quotas) }));
    // A failed read is not remembered.
    quotas.catch(() => this.#known.delete(gameId));
    this.#known.set(gameId, { until: now + this.ttlMs, quotas });
    return quotas;
  }

  /**
   * Refuses (QUOTA_EXCEEDED) to add one more of `name` to a game that holds its quota already.
   * `count` counts what the game holds, at most `cap` (so a game far under its quota costs a
   * short index scan, not a count of everything). Checked before the insert: creations racing
   * each other may pass the quota by a few.
   */
  async requireBelow(
    gameId: string,
    name: "players" | "rooms",
    count: (cap: number) => Promise<number>,
  ): Promise<void> {
    const limit = (await this.of(gameId))[name];
    if ((await count(limit)) >= limit) throw quotaExceeded(gameId, name, limit, name);
  }

  /** Reads `gameId`'s quotas afresh next time (its overrides changed). */
  forget(gameId: string): void {
    this.#known.delete(gameId);
  }

  /** Takes one of `gameId`'s `what` on this node, or nothing and false when it holds `limit` already. */
  take(gameId: string, what: "connections" | "subscriptions", limit: number): boolean {
    let held = this.#held.get(gameId);
    if (!held) this.#held.set(gameId, (held = { connections: 0, subscriptions: 0 }));
    if (held[what] >= limit) return false;
    held[what]++;
    return true;
  }

  /** Gives back one `what` taken by `take`. */
  give(gameId: string, what: "connections" | "subscriptions"): void {
    const held = this.#held.get(gameId);
    if (!held) return;
    held[what]--;
    if (held.connections === 0 && held.subscriptions === 0) this.#held.delete(gameId);
  }

  /** What `gameId` holds on this node now. */
  held(gameId: string): { connections: number; subscriptions: number } {
    return { ...(this.#held.get(gameId) ?? { connections: 0, subscriptions: 0 }) };
  }
}
