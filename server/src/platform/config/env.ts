import { z } from "zod";
import { credentialKind } from "../auth/credential-format.ts";
import type { TracingConfig } from "../observability/tracing.ts";
import { MAX_BYTES_QUOTA, MAX_QUOTA, type Quotas } from "../quotas/game-quotas.ts";

/** Every setting the server reads, validated once at startup. `.env.example` lists them all. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  // Postgres connections one node holds at most, and how long a query waits for a free one
  // before it is answered SERVICE_UNAVAILABLE (embedded PGlite: always one connection).
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_POOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  DATA_DIR: z.string().min(1).default(".data"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,40}$/, "REDIS_KEY_PREFIX must be 1–40 of A-Z a-z 0-9 _ : . -")
    .default("mv:"),
  ADMIN_TOKEN: z
    .string()
    .min(16, "ADMIN_TOKEN must be at least 16 characters")
    .refine((t) => credentialKind(t) === "other", {
      message: "ADMIN_TOKEN must not look like a developer key (mvd_…), a game key (mvg_…) or a JWT",
    })
    .optional(),
  JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters").optional(),
  PLAYER_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  // How long a node remembers who a key or token stands for; an ended credential is forgotten at once.
  CREDENTIAL_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  TICK_HZ: z.coerce
    .number()
    .refine((n) => n === 0 || (n >= 0.1 && n <= 100), "TICK_HZ must be 0 (never lead the tick) or 0.1–100")
    .default(10),
  MIGRATE_ON_START: z.stringbool().default(true),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
  MAX_QUERY_COST: z.coerce.number().int().min(10).max(1_000_000).default(25_000),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  MAX_EVENT_DATA_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(65_536),
  MAX_EVENTS_PER_PUBLISH: z.coerce.number().int().min(1).max(10_000).default(1_000),
  RATE_LIMIT_EVENTS_PER_SECOND: z.coerce.number().int().min(1).max(1_000_000).default(500),
  // What one player may publish with its token (chat, commands), on its own budget.
  RATE_LIMIT_PLAYER_EVENTS_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(10),
  // Per-game quotas (each game's own, overridable per game by the admin: setGameQuotas). The
  // events-per-second quota's default is RATE_LIMIT_EVENTS_PER_SECOND.
  GAME_QUOTA_CONNECTIONS: z.coerce.number().int().min(0).max(MAX_QUOTA).default(10_000),
  GAME_QUOTA_SUBSCRIPTIONS: z.coerce.number().int().min(0).max(MAX_QUOTA).default(100_000),
  GAME_QUOTA_PLAYERS: z.coerce.number().int().min(0).max(MAX_QUOTA).default(1_000_000),
  GAME_QUOTA_ROOMS: z.coerce.number().int().min(0).max(MAX_QUOTA).default(10_000),
  GAME_QUOTA_STORED_EVENT_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_BYTES_QUOTA)
    .default(10 * 1024 ** 3),
  EVENT_RETENTION_HOURS: z.coerce.number().min(0.01).max(87_600).default(168),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).max(1000).default(50),
  // Replay reads running at once on a node; the pool (DATABASE_POOL_SIZE) keeps the rest for ticks and logins.
  MAX_CONCURRENT_REPLAYS: z.coerce.number().int().min(1).max(100).default(4),
  // 256 x MAX_EVENT_DATA_BYTES bounds what one stalled subscription can hold (16 MiB by default).
  SUBSCRIPTION_BUFFER_SIZE: z.coerce.number().int().min(10).max(1_000_000).default(256),
  MAX_SOCKET_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(4 * 1024 * 1024),
  // What one connection's subscriptions may have waiting together (16 subscriptions stalled at
  // SUBSCRIPTION_BUFFER_SIZE would otherwise hold 16 x 16 MiB).
  MAX_CONNECTION_QUEUE_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(16 * 1024 * 1024),
  PRESENCE_TTL_SECONDS: z.coerce.number().min(1).max(3600).default(15),
  // A game that sent heartbeats and none for this long is shown as stale (Game.stale, a metric).
  GAME_STALE_SECONDS: z.coerce.number().min(1).max(86_400).default(60),
  WEBSOCKET_KEEPALIVE_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  // A stopping node drains this long at most, then exits 0 (docs/operations.md, "Shutdown").
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(1).max(600).default(10),
  TICK_LEASE_MS: z.coerce.number().int().min(200).max(60_000).default(2000),
  // How long, once a tick is due, the leader may hold it back for the games that opted into
  // the barrier to report the last one (0: never, but late games are still named).
  TICK_BARRIER_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // Tracing is off unless a collector's OTLP/HTTP endpoint is set (docs/operations.md, "Tracing").
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(100).default("multiverse"),
});

export type Env = z.infer<typeof schema>;

/** The server's configuration after validation and defaults. */
export interface Config {
  port: number;
  host: string;
  /** Absent: embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  /** Postgres connections this node holds at most (embedded PGlite: one, whatever this says). */
  databasePoolSize: number;
  /** How long a query waits for a free connection (or to connect) before it fails as transient. */
  databasePoolTimeoutMs: number;
  dataDir: string;
  /** Absent: the in-memory bus (one process only). */
  redisUrl: string | undefined;
  /** Starts every Redis key and channel, so deployments can share one Redis. */
  redisKeyPrefix: string;
  /** Absent: generated (embedded mode only) and printed at startup. */
  adminToken: string | undefined;
  jwtSecret: string | undefined;
  playerTokenTtlSeconds: number;
  /** How long a node remembers a credential's principal (0: not at all). */
  credentialCacheSeconds: number;
  tickHz: number;
  migrateOnStart: boolean;
  maxQueryDepth: number;
  maxQueryCost: number;
  /** Tokens a document may have: checked while parsing, before any (costly) validation. */
  maxQueryTokens: number;
  maxEventDataBytes: number;
  /** Inputs one publishEvents call may carry. */
  maxEventsPerPublish: number;
  /** The largest request: an HTTP body, or one WebSocket frame (256 KiB, or 4 x maxEventDataBytes). */
  maxRequestBytes: number;
  /** Events one source (a game, or the admin) may publish per second, across all nodes. */
  rateLimitEventsPerSecond: number;
  rateLimitPlayerEventsPerSecond: number;
  /** Every game's quotas unless the admin overrode one for it. */
  gameQuotas: Quotas;
  /** Delivered events older than this are pruned; `events(since)` before them is refused. */
  eventRetentionHours: number;
  maxSubscriptionsPerConnection: number;
  /** `events(since)` replay pages read at once on this node (each connection reads 2 at most). */
  maxConcurrentReplays: number;
  /** Live messages one subscription may have waiting before it counts as a slow consumer. */
  subscriptionBufferSize: number;
  /** Bytes a WebSocket may have unsent before it counts as a slow consumer. */
  maxSocketBufferBytes: number;
  /** Bytes all of a connection's subscriptions may have queued before it counts as a slow consumer. */
  maxConnectionQueueBytes: number;
  /** How long after its last heartbeat a game counts as stale. */
  gameStaleSeconds: number;
  /** How long presence outlives a node that stopped renewing it (a crashed node). */
  presenceTtlSeconds: number;
  /** The tick leader's lease; another node takes over within two lease periods. */
  tickLeaseMs: number;
  /** How long, once due, a tick waits at most for the games of the tick barrier. */
  tickBarrierMs: number;
  /** A WebSocket ping this often; a client that has not answered it as long after is dropped. */
  websocketKeepAliveSeconds: number;
  /** How long a graceful shutdown may take, draining included; then the node exits anyway. */
  shutdownGraceSeconds: number;
  logLevel: Env["LOG_LEVEL"];
  /** Absent: tracing is off. */
  tracing: TracingConfig | undefined;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads and validates the configuration from `env` (default `process.env`). Throws a
 * `ConfigError` listing every invalid setting. With a `DATABASE_URL` (production mode) the
 * secrets are required, because every node must share them.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if (e.TICK_HZ > 0 && e.TICK_LEASE_MS <= 2 * (1000 / e.TICK_HZ)) {
    throw new ConfigError(
      `Invalid configuration:\n  TICK_LEASE_MS (${e.TICK_LEASE_MS}) must be more than two tick periods (${2 * (1000 / e.TICK_HZ)} ms at TICK_HZ=${e.TICK_HZ}): the leader renews its lease once per tick`,
    );
  }
  if (e.DATABASE_URL) {
    const missing = (["ADMIN_TOKEN", "JWT_SECRET"] as const).filter((k) => !e[k]);
    if (missing.length > 0) {
      throw new ConfigError(
        `Invalid configuration:\n  ${missing.join(", ")} must be set when DATABASE_URL is set (every node must share them)`,
      );
    }
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databasePoolTimeoutMs: e.DATABASE_POOL_TIMEOUT_MS,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    adminToken: e.ADMIN_TOKEN,
    jwtSecret: e.JWT_SECRET,
    playerTokenTtlSeconds: e.PLAYER_TOKEN_TTL_SECONDS,
    credentialCacheSeconds: e.CREDENTIAL_CACHE_SECONDS,
    tickHz: e.TICK_HZ,
    migrateOnStart: e.MIGRATE_ON_START,
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    maxQueryCost: e.MAX_QUERY_COST,
    maxQueryTokens: e.MAX_QUERY_TOKENS,
    maxEventDataBytes: e.MAX_EVENT_DATA_BYTES,
    maxEventsPerPublish: e.MAX_EVENTS_PER_PUBLISH,
    maxRequestBytes: Math.max(256 * 1024, 4 * e.MAX_EVENT_DATA_BYTES),
    rateLimitEventsPerSecond: e.RATE_LIMIT_EVENTS_PER_SECOND,
    rateLimitPlayerEventsPerSecond: e.RATE_LIMIT_PLAYER_EVENTS_PER_SECOND,
    gameQuotas: {
      connections: e.GAME_QUOTA_CONNECTIONS,
      subscriptions: e.GAME_QUOTA_SUBSCRIPTIONS,
      eventsPerSecond: e.RATE_LIMIT_EVENTS_PER_SECOND,
      players: e.GAME_QUOTA_PLAYERS,
      rooms: e.GAME_QUOTA_ROOMS,
      storedEventBytes: e.GAME_QUOTA_STORED_EVENT_BYTES,
    },
    eventRetentionHours: e.EVENT_RETENTION_HOURS,
    maxSubscriptionsPerConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxConcurrentReplays: e.MAX_CONCURRENT_REPLAYS,
    subscriptionBufferSize: e.SUBSCRIPTION_BUFFER_SIZE,
    maxSocketBufferBytes: e.MAX_SOCKET_BUFFER_BYTES,
    maxConnectionQueueBytes: e.MAX_CONNECTION_QUEUE_BYTES,
    presenceTtlSeconds: e.PRESENCE_TTL_SECONDS,
    gameStaleSeconds: e.GAME_STALE_SECONDS,
    tickLeaseMs: e.TICK_LEASE_MS,
    tickBarrierMs: e.TICK_BARRIER_MS,
    websocketKeepAliveSeconds: e.WEBSOCKET_KEEPALIVE_SECONDS,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    logLevel: e.LOG_LEVEL,
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME }
      : undefined,
  };
}
