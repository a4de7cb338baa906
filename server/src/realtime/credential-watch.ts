import type { Principal } from "../auth/principal.ts";
import type { Bus, Unsubscribe } from "../bus/bus.ts";
import type { Logger } from "../observability/logger.ts";
import { CloseCode } from "./close-codes.ts";
import { Channel } from "./topics.ts";

/** Why a game's credentials stopped being valid. */
export type CredentialEnd = "key-rotated" | "game-unregistered";

/** What a live connection tells the watch: who it acts as, and how to end it. */
export interface WatchedConnection {
  principal: Principal;
  close(code: number, reason: string): void;
}

const REASONS: Record<CredentialEnd | "token-expired", string> = {
  "token-expired": "The player token expired: reconnect with a new one",
  "key-rotated": "The game's API key was rotated: reconnect with the new key",
  "game-unregistered": "The game was unregistered",
};

/** The largest delay setTimeout takes (about 24.8 days); tokens live a day at most. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Ends live connections whose credential stopped being valid, with close code 4011: a player
 * token when it expires, a game's API key when it is rotated, and the game's key and every one
 * of its player tokens when the game is unregistered. Rotations and unregistrations reach every
 * node over the bus (`ended`); each node closes its own connections. HTTP needs none of this:
 * each request is authenticated afresh.
 */
export class CredentialWatch {
  readonly #live = new Map<WatchedConnection, NodeJS.Timeout | undefined>();
  #unsubscribe: Unsubscribe | undefined;

  private constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  static async start(bus: Bus, logger: Logger): Promise<CredentialWatch> {
    const watch = new CredentialWatch(bus, logger);
    watch.#unsubscribe = await bus.subscribe(Channel.credentials, (text) => watch.#heard(text));
    return watch;
  }

  /**
   * Watches `c` until the returned function is called (when it closes). A player connection is
   * also ended when its token expires (`expiresAt`).
   */
  watch(c: WatchedConnection): () => void {
    let timer: NodeJS.Timeout | undefined;
    const p = c.principal;
    if (p.kind === "player" && p.expiresAt) {
      const ms = Math.min(Math.max(0, p.expiresAt.getTime() - Date.now()), MAX_TIMER_MS);
      timer = setTimeout(() => this.#end(c, "token-expired"), ms);
      timer.unref();
    }
    this.#live.set(c, timer);
    return () => {
      clearTimeout(this.#live.get(c));
      this.#live.delete(c);
    };
  }

  /** Tells every node that `gameId`'s credentials ended for `why`. */
  async ended(gameId: string, why: CredentialEnd): Promise<void> {
    await this.bus.publish(Channel.credentials, JSON.stringify({ gameId, why }));
  }

  /** How many connections this node watches (for tests and metrics). */
  get size(): number {
    return this.#live.size;
  }

  #heard(text: string): void {
    let message: { gameId?: unknown; why?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.logger.warn("credential watch: a message that is not JSON was dropped");
      return;
    }
    const { gameId, why } = message;
    if (typeof gameId !== "string" || (why !== "key-rotated" && why !== "game-unregistered")) return;
    for (const c of [...this.#live.keys()]) {
      const p = c.principal;
      const ofGame = (p.kind === "game" || p.kind === "player") && p.gameId === gameId;
      if (ofGame && (p.kind === "game" || why === "game-unregistered")) this.#end(c, why);
    }
  }

  #end(c: WatchedConnection, why: CredentialEnd | "token-expired"): void {
    clearTimeout(this.#live.get(c));
    this.#live.delete(c);
    c.close(CloseCode.CredentialEnded, REASONS[why]);
  }

  async stop(): Promise<void> {
    for (const timer of this.#live.values()) clearTimeout(timer);
    this.#live.clear();
    await this.#unsubscribe?.();
  }
}
