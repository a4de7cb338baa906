/** Stops a subscription; resolves once no more messages will arrive. */
export type Unsubscribe = () => Promise<void>;

/**
 * The realtime backbone shared by every node: Redis when `REDIS_URL` is set, in memory for the
 * single-process embedded mode. Messages are strings here; `ChannelBus` (channel-bus.ts) puts
 * typed channels on top. Delivery is at most once, in publish order per publisher. Callers
 * detect losses themselves (see `onResubscribed`).
 */
export interface Bus {
  readonly kind: "memory" | "redis";

  /** Resolves when the backend answers within `timeoutMs` (default 1000); rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;

  /** Sends `message` to every node subscribed to `channel`. */
  publish(channel: string, message: string): Promise<void>;

  /**
   * Calls `handler` for each message on `channel`. Resolves once the backend confirmed the
   * subscription (for every subscriber of the channel, not just its first), or once the backend
   * is known to be away: then it goes live when the backend is back, and `onResubscribed`
   * listeners hear of it. A handler that throws is reported and skipped: the channel's other
   * handlers still run. Server code subscribes through `ChannelBus` (typed channels).
   */
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;

  /**
   * Calls `listener` each time the subscriber connection came back after a loss: messages sent
   * meanwhile are gone. Returns a function that removes the listener.
   */
  onResubscribed(listener: () => void): () => void;

  /**
   * Takes lease `name` for `holder`, or renews it if `holder` has it, for `ttlMs`. True when
   * `holder` holds it afterwards. A holder that stops renewing loses it after `ttlMs`.
   */
  lease(name: string, holder: string, ttlMs: number): Promise<boolean>;

  /** Gives lease `name` up if `holder` holds it. */
  releaseLease(name: string, holder: string): Promise<void>;

  /** Marks `members` of timed set `set` alive until `expiresAt` (ms since the epoch). */
  touch(set: string, members: string[], expiresAt: number): Promise<void>;

  /** Removes `members` from timed set `set`. */
  untouch(set: string, members: string[]): Promise<void>;

  /** The members of `set` alive at `now`. */
  alive(set: string, now: number): Promise<string[]>;

  /**
   * The members of `set` that start with `prefix` and are alive at `now`: one member's entries
   * without reading the whole set (Redis scans it in place and sends only the matches).
   */
  aliveWithPrefix(set: string, prefix: string, now: number): Promise<string[]>;

  /**
   * The members of `set` alive at `now` that start with any of `prefixes` (several members'
   * entries in one round trip): Redis filters the live members in place and sends only those.
   */
  aliveWithPrefixes(set: string, prefixes: string[], now: number): Promise<string[]>;

  /** Removes the members of `set` that expired before `now` and returns them. */
  sweep(set: string, now: number): Promise<string[]>;

  /** The names of the timed sets that have members. */
  timedSets(prefix: string): Promise<string[]>;

  /**
   * Adds `members` to set `set`, which then lives `ttlMs` more (each add renews it), then goes
   * away as a whole: what several nodes report for one short moment (a tick's completions).
   */
  mark(set: string, members: string[], ttlMs: number): Promise<void>;

  /** The members of set `set` (none once it went away). */
  marked(set: string): Promise<string[]>;

  /** Counts `count` hits (default 1) on `key` in a fixed window of `windowMs`; returns the count so far. */
  hit(key: string, windowMs: number, count?: number): Promise<number>;

  close(): Promise<void>;
}
