import type { Principal } from "../auth/principal.ts";
import { PrincipalCache } from "../auth/principal-cache.ts";
import type { Unsubscribe } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { Logger } from "../observability/logger.ts";
import { channels, type CredentialEnd } from "./channels.ts";
import { CloseCode } from "../../../../sdk/src/protocol.ts";

type Why = CredentialEnd["why"] | "token-expired";

/** What a live connection tells the watch: who it acts as, and how to end it. */
export interface WatchedConnection {
  principal: Principal;
  close(code: number, reason: string): void;
}

const REASONS: Record<Why, string> = {
  "token-expired": "The player token expired: reconnect with a new one",
  "key-rotated": "The game's API key was rotated: reconnect with the new key",
  "game-unregistered": "The game was unregistered",
  "developer-key-rotated": "The developer key was rotated: reconnect with the new key",
};

/** Whether a connection acting as `p` held a credential that `end` ended. */
function endedFor(p: Principal, end: CredentialEnd): boolean {
  switch (end.why) {
    case "key-rotated":
      return p.kind === "game" && p.gameId === end.gameId;
    case "game-unregistered":
      return (p.kind === "game" || p.kind === "player") && p.gameId === end.gameId;
    case "developer-key-rotated":
      return p.kind === "developer" && p.developerId === end.developerId;
  }
}

/** The largest delay setTimeout takes (about 24.8 days); tokens live a day at most. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Ends live connections whose credential stopped being valid, with close code 4011: a player
 * token when it expires, a game's API key or a developer key when it is rotated, and the game's
 * key and every one of its player tokens when the game is unregistered. Rotations and
 * unregistrations reach every node over the bus (`ended`); each node closes its own connections
 * and forgets the principals it remembered for those credentials (`principals`, which requests
 * authenticate through), so HTTP refuses them too.
 */
export class CredentialWatch {
  readonly #live = new Map<WatchedConnection, NodeJS.Timeout | undefined>();
  #unsubscribe: Unsubscribe | undefined;
  /** The principals of credentials seen lately (CREDENTIAL_CACHE_SECONDS). */
  readonly principals: PrincipalCache;

  private constructor(
    private readonly typed: ChannelBus,
    private readonly logger: Logger,
    cacheMs: number,
  ) {
    this.principals = new PrincipalCache(cacheMs);
  }

  static async start(typed: ChannelBus, logger: Logger, cacheMs = 0): Promise<CredentialWatch> {
    const watch = new CredentialWatch(typed, logger, cacheMs);
    watch.#unsubscribe = await typed.subscribe(channels.credentials, (end) => watch.#heard(end));
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
    return () => this.#forget(c);
  }

  #forget(c: WatchedConnection): void {
    clearTimeout(this.#live.get(c));
    this.#live.delete(c);
  }

  /**
   * Tells every node (this one included) that these credentials ended. Never throws: the change
   * is committed already and HTTP refuses the old credential at once, so when the bus does not
   * answer, the caller's mutation still succeeds; the live connections holding the credential
   * then last until they close (logged as a warning).
   */
  async ended(end: CredentialEnd): Promise<void> {
    // This node at once (its next request must be refused), the others when they hear it.
    this.principals.forget((p) => endedFor(p, end));
    await this.typed
      .publish(channels.credentials, end)
      .catch((err: unknown) =>
        this.logger.warn({ err, ...end }, "credential watch: live connections could not be told"),
      );
  }

  #heard(end: CredentialEnd): void {
    this.principals.forget((p) => endedFor(p, end));
    for (const c of [...this.#live.keys()]) if (endedFor(c.principal, end)) this.#end(c, end.why);
  }

  #end(c: WatchedConnection, why: Why): void {
    this.#forget(c);
    c.close(CloseCode.CredentialEnded, REASONS[why]);
  }

  async stop(): Promise<void> {
    for (const timer of this.#live.values()) clearTimeout(timer);
    this.#live.clear();
    await this.#unsubscribe?.();
  }
}
