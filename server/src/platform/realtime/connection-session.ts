import pLimit, { type LimitFunction } from "p-limit";
import type { Principal } from "../auth/principal.ts";
import { serviceUnavailable } from "../errors/errors.ts";
import { isTransient } from "../errors/transient.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { CloseCode } from "../../../../sdk/src/protocol.ts";
import type { CredentialWatch } from "./credential-watch.ts";
import type { ReplayGate } from "./event-stream.ts";
import type { Presence } from "./presence.ts";
import { ByteBudget } from "./bounded-queue.ts";
import type { GameQuotas } from "../quotas/game-quotas.ts";
import type { Services } from "../services.ts";

export interface SessionDeps {
  presence: Presence;
  credentials: CredentialWatch;
  metrics: Metrics;
  logger: Logger;
  maxSubscriptions: number;
  /** Bytes the connection's subscriptions may have waiting together (MAX_CONNECTION_QUEUE_BYTES). */
  maxQueueBytes: number;
  /** The games' connection and subscription quotas on this node. */
  quotas: GameQuotas;
}

/** What every connection's session needs, from the node's services: one object for all of them. */
export function sessionDeps(services: Services, metrics: Metrics): SessionDeps {
  const { config, realtime, logger } = services;
  return {
    presence: realtime.presence,
    credentials: realtime.credentials,
    metrics,
    logger,
    maxSubscriptions: config.maxSubscriptionsPerConnection,
    maxQueueBytes: config.maxConnectionQueueBytes,
    quotas: services.quotas,
  };
}

/** Thrown by `open` when the connection's game holds its connection quota on this node: the transport closes with 1013. */
export class QuotaFullError extends Error {
  override name = "QuotaFullError";
}

/** Why `subscribe` refused: the connection's own limit, or its game's quota on this node. */
export type SubscribeRefusal = "connection" | "game";

/** The game a principal acts for, whose quotas its connections count against. */
export function gameOf(p: Principal | undefined): string | undefined {
  return p?.kind === "game" || p?.kind === "player" ? p.gameId : undefined;
}

/** Thrown by `open` when presence could not be recorded: the transport closes with 1013. */
export class PresenceUnavailableError extends Error {
  override name = "PresenceUnavailableError";
}

/**
 * Why `open` failed in a way worth trying again later, for the transport to say so (WebSocket
 * 1013, SSE 503): presence not recorded, the game's connections quota full, or a dependency
 * away for a moment (`dependency`: the game's quotas could not be read, Postgres away or the
 * pool exhausted). Undefined for anything else, which is the server's own error.
 */
export function openRefusal(err: unknown): { reason: string; dependency: boolean } | undefined {
  if (err instanceof PresenceUnavailableError || err instanceof QuotaFullError) {
    return { reason: err.message.slice(0, 120), dependency: false };
  }
  if (isTransient(err)) return { reason: serviceUnavailable().message, dependency: true };
  return undefined;
}

/** Replay reads one connection may run at once: its other subscriptions wait their turn. */
const REPLAYS_PER_CONNECTION = 2;

/**
 * One live connection, whatever carries it: what it holds while it is open (a player's
 * presence, the credential watch, its running subscriptions and its place in the gauges), and
 * the giving back of all of it. `close` is safe to call twice, and in any order with `open`:
 * a connection that closes while `open` is still authenticating or recording presence is
 * undone when `open` resumes, so nothing outlives it.
 */
export class ConnectionSession {
  #state: "new" | "opening" | "open" | "closed" = "new";
  #principal: Principal | undefined;
  #heldPresence = false;
  #counted = false;
  #unwatch: (() => void) | undefined;
  readonly #subscriptions = new Set<string>();
  #released: Promise<void> | undefined;
  /** Made on the first replay: most connections never replay, and a limiter costs memory. */
  #replays: LimitFunction | undefined;
  /** This connection's turn for replay reads (REPLAYS_PER_CONNECTION at once). */
  readonly replayGate: ReplayGate = (read) => (this.#replays ??= pLimit(REPLAYS_PER_CONNECTION))(read);
  /** Made when a subscription first queues (most connections' subscriptions go live at once). */
  #queueBudget: ByteBudget | undefined;
  /** The game's subscriptions quota when the connection opened (a game's connection only). */
  #gameSubscriptions = 0;
  #heldConnectionQuota = false;

  constructor(
    private readonly deps: SessionDeps,
    /** Ends the transport's connection (the credential watch and slow consumers use it). */
    private readonly end: (code: number, reason: string) => void,
  ) {}

  get principal(): Principal | undefined {
    return this.#principal;
  }

  /** What all this connection's subscriptions may have waiting together. */
  get queueBudget(): ByteBudget {
    return (this.#queueBudget ??= new ByteBudget(this.deps.maxQueueBytes));
  }

  get closed(): boolean {
    return this.#state === "closed";
  }

  /**
   * Opens the session for `principal`: a player goes online, and the connection ends (4011)
   * when its credential stops being valid. False when the connection closed meanwhile (then
   * everything is given back already). Throws PresenceUnavailableError when presence could not
   * be recorded.
   */
  async open(principal: Principal): Promise<boolean> {
    if (this.#state !== "new") return false;
    this.#state = "opening";
    this.#principal = principal;
    const gameId = gameOf(principal);
    if (gameId) {
      // Before anything is recorded: a refused connection never shows its player online.
      const quotas = await this.deps.quotas.of(gameId);
      if (!this.deps.quotas.take(gameId, "connections", quotas.connections)) {
        this.#state = "closed";
        await this.#release();
        throw new QuotaFullError(
          `Game "${gameId}" holds its quota of ${quotas.connections} connections on this node: try again later`,
        );
      }
      this.#heldConnectionQuota = true;
      this.#gameSubscriptions = quotas.subscriptions;
    }
    if (principal.kind === "player") {
      // Counted before it is awaited: a failed or overtaken attempt is given back by #release.
      this.#heldPresence = true;
      try {
        await this.deps.presence.connected(principal.gameId, principal.playerId);
      } catch (err) {
        this.deps.logger.error({ err }, "presence: a connection could not be recorded");
        this.#state = "closed";
        await this.#release();
        throw new PresenceUnavailableError("Presence is unavailable: try again shortly");
      }
    }
    if (this.closed) {
      await this.#release(); // closed while presence was being recorded
      return false;
    }
    this.#unwatch = this.deps.credentials.watch({ principal, close: (code, reason) => this.end(code, reason) });
    this.deps.metrics.connections.inc();
    this.#counted = true;
    this.#state = "open";
    return true;
  }

  /** Gives back everything the connection holds. Resolves once it has. */
  close(): Promise<void> {
    const was = this.#state;
    this.#state = "closed";
    // An `open` under way gives back what it took when it resumes.
    if (was === "opening") return Promise.resolve();
    return this.#release();
  }

  /**
   * A subscription starts: null, or why not (the connection holds its maximum already, or its
   * game holds its subscriptions quota on this node).
   */
  subscribe(id: string): SubscribeRefusal | null {
    if (this.#subscriptions.size >= this.deps.maxSubscriptions) return "connection";
    const gameId = gameOf(this.#principal);
    if (gameId && !this.deps.quotas.take(gameId, "subscriptions", this.#gameSubscriptions)) return "game";
    this.#subscriptions.add(id);
    this.deps.metrics.subscriptions.inc();
    return null;
  }

  /** The game's subscriptions quota this connection counts against (0 for a connection of no game). */
  get gameSubscriptionsQuota(): number {
    return this.#gameSubscriptions;
  }

  /** A subscription ended (completed, failed or stopped); a second call does nothing. */
  unsubscribe(id: string): void {
    if (!this.#subscriptions.delete(id)) return;
    this.deps.metrics.subscriptions.dec();
    const gameId = gameOf(this.#principal);
    if (gameId) this.deps.quotas.give(gameId, "subscriptions");
  }

  /** Ends a connection whose client reads too slowly: it resumes with `since`. */
  closeSlowConsumer(reason: string): void {
    if (this.#state !== "open") return;
    this.deps.metrics.slowConsumers.inc();
    this.end(CloseCode.SlowConsumer, reason);
  }

  #release(): Promise<void> {
    this.#released ??= (async () => {
      this.#unwatch?.();
      if (this.#counted) this.deps.metrics.connections.dec();
      for (const id of [...this.#subscriptions]) this.unsubscribe(id);
      const p = this.#principal;
      if (this.#heldConnectionQuota) this.deps.quotas.give(gameOf(p)!, "connections");
      if (this.#heldPresence && p?.kind === "player") {
        await this.deps.presence
          .disconnected(p.gameId, p.playerId)
          .catch((err: unknown) => this.deps.logger.warn({ err }, "presence: disconnect not recorded"));
      }
    })();
    return this.#released;
  }
}
