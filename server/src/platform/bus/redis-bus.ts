import { Redis } from "ioredis";
import type { Bus, Unsubscribe } from "./bus.ts";
import { ChannelHandlers, type HandlerErrorReporter } from "./handlers.ts";

// Takes or renews a lease: only when free or already ours.
const LEASE = `
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// Removes and returns the expired members in one step, so two sweepers never both report one.
const SWEEP = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1]) end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], KEYS[1]) end
return gone`;

// The live members that start with one of the prefixes (ARGV[2..]): one look-up per distinct
// prefix length, so the cost is that of reading the live members, however many prefixes.
const ALIVE_WITH_PREFIXES = `
local wanted, lengths = {}, {}
for i = 2, #ARGV do
  wanted[ARGV[i]] = true
  lengths[#ARGV[i]] = true
end
local found = {}
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  for n in pairs(lengths) do
    if wanted[string.sub(m, 1, n)] then
      found[#found + 1] = m
      break
    end
  end
end
return found`;

const HIT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** The command connection, with HIT as a command of its own (sent by its SHA, not its text). */
type CommandClient = Redis & { hit(key: string, windowMs: string, count: string): Promise<number> };

/**
 * The Redis bus: one connection for commands and publishing, one for subscribing (a
 * subscribed connection can do nothing else). ioredis reconnects and resubscribes by itself;
 * commands wait while it reconnects and fail after one failed attempt, so nothing piles up.
 */
export class RedisBus implements Bus {
  readonly kind = "redis";
  readonly #client: CommandClient;
  readonly #sub: Redis;
  readonly #handlers: ChannelHandlers;
  readonly #resubscribed = new Set<() => void>();
  #lost = false;
  readonly #key: string;
  readonly #timedSets: string;

  /**
   * @param prefix starts every key and channel (default `mv:`), so several deployments or
   *   test runs can share one Redis.
   * @param name names the connections (`<name>-cmd`, `<name>-sub`) in Redis' CLIENT LIST.
   * @param onHandlerError hears of a handler that threw (the others ran regardless).
   */
  constructor(
    url: string,
    {
      prefix = "mv:",
      name = "multiverse",
      onHandlerError = () => undefined,
    }: { prefix?: string; name?: string; onHandlerError?: HandlerErrorReporter } = {},
  ) {
    const options = { maxRetriesPerRequest: 1, retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000) };
    this.#key = prefix;
    this.#timedSets = `${prefix}timed-sets`;
    // Auto-pipelining: the commands issued in one event-loop turn (a batch's event publishes,
    // many requests' rate-limit hits) go out in one socket write, in order.
    this.#client = new Redis(url, {
      ...options,
      connectionName: `${name}-cmd`,
      enableAutoPipelining: true,
    }) as CommandClient;
    // Once per publish call: EVALSHA (ioredis sends the script itself once per connection).
    this.#client.defineCommand("hit", { numberOfKeys: 1, lua: HIT });
    this.#sub = new Redis(url, { ...options, connectionName: `${name}-sub` });
    this.#handlers = new ChannelHandlers(
      {
        listen: async (key) => {
          try {
            await this.#sub.subscribe(key);
          } catch {
            // Redis is away: the subscription goes live when it is back, and onResubscribed says so.
            this.#lost = true;
          }
        },
        unlisten: async (key) => {
          await this.#sub.unsubscribe(key).catch(() => undefined);
        },
      },
      (err, key) => onHandlerError(err, key.slice(prefix.length)),
    );
    // Errors surface through /readyz and failing commands; without listeners ioredis prints them.
    this.#client.on("error", () => undefined);
    this.#sub.on("error", () => undefined);
    this.#sub.on("close", () => {
      this.#lost = true;
    });
    this.#sub.on("ready", () => {
      if (!this.#lost) return;
      this.#lost = false;
      // ioredis resubscribes what Redis had confirmed; this also covers what failed meanwhile.
      const channels = this.#handlers.channels();
      const resubscribe = channels.length > 0 ? this.#sub.subscribe(...channels) : Promise.resolve();
      void resubscribe.then(
        () => this.#resubscribed.forEach((l) => l()),
        () => undefined, // lost again: the next "ready" tries again
      );
    });
    this.#sub.on("message", (channel: string, message: string) => this.#handlers.dispatch(channel, message));
  }

  async ping(timeoutMs = 1_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("Redis did not answer in time")), timeoutMs);
    });
    try {
      await Promise.race([this.#client.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#client.publish(this.#key + channel, message);
  }

  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    return this.#handlers.add(this.#key + channel, handler);
  }

  onResubscribed(listener: () => void): () => void {
    this.#resubscribed.add(listener);
    return () => this.#resubscribed.delete(listener);
  }

  async lease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.#client.eval(LEASE, 1, `${this.#key}lease:${name}`, holder, String(ttlMs))) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.#client.eval(RELEASE, 1, `${this.#key}lease:${name}`, holder);
  }

  async touch(set: string, members: string[], expiresAt: number): Promise<void> {
    if (members.length === 0) return;
    const key = this.#key + set;
    await this.#client
      .multi()
      .zadd(key, ...members.flatMap((m) => [expiresAt, m]))
      .sadd(this.#timedSets, key)
      .exec();
  }

  async untouch(set: string, members: string[]): Promise<void> {
    if (members.length > 0) await this.#client.zrem(this.#key + set, ...members);
  }

  async alive(set: string, now: number): Promise<string[]> {
    return this.#client.zrangebyscore(this.#key + set, now, "+inf");
  }

  async aliveWithPrefix(set: string, prefix: string, now: number): Promise<string[]> {
    const match = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, pairs] = await this.#client.zscan(this.#key + set, cursor, "MATCH", match, "COUNT", 1000);
      for (let i = 0; i + 1 < pairs.length; i += 2) if (Number(pairs[i + 1]) >= now) found.push(pairs[i]!);
      cursor = next;
    } while (cursor !== "0");
    return [...new Set(found)]; // a scan may return a member twice
  }

  async aliveWithPrefixes(set: string, prefixes: string[], now: number): Promise<string[]> {
    if (prefixes.length === 0) return [];
    return (await this.#client.eval(ALIVE_WITH_PREFIXES, 1, this.#key + set, String(now), ...prefixes)) as string[];
  }

  async sweep(set: string, now: number): Promise<string[]> {
    return (await this.#client.eval(SWEEP, 2, this.#key + set, this.#timedSets, String(now))) as string[];
  }

  async timedSets(prefix: string): Promise<string[]> {
    const keys = await this.#client.smembers(this.#timedSets);
    return keys.filter((k) => k.startsWith(this.#key + prefix)).map((k) => k.slice(this.#key.length));
  }

  async mark(set: string, members: string[], ttlMs: number): Promise<void> {
    if (members.length === 0) return;
    const key = `${this.#key}mark:${set}`;
    await this.#client
      .multi()
      .sadd(key, ...members)
      .pexpire(key, ttlMs)
      .exec();
  }

  async marked(set: string): Promise<string[]> {
    return this.#client.smembers(`${this.#key}mark:${set}`);
  }

  async hit(key: string, windowMs: number, count = 1): Promise<number> {
    return this.#client.hit(`${this.#key}hit:${key}`, String(windowMs), String(count));
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.#sub.disconnect();
    this.#client.disconnect();
  }
}
