// Multiverse as the benchmark runs it: real server processes in production mode on a fresh
// Postgres database and a Redis key prefix of their own, and the calls the scenarios make.
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { Redis } from "ioredis";
import { buildServerCopy, PRODUCTION_NODE_ARGS } from "../../scripts/build-server.ts";
import { PlayerTokens } from "../../server/src/platform/auth/player-tokens.ts";
import { createBenchDatabase, sql } from "./database.ts";
import { onInterrupt, ROOT, startNode, type Proc } from "./processes.ts";

export const ADMIN = "bench-admin-token-0123456789";
export const JWT_SECRET = "bench-jwt-secret-0123456789-0123456789";
export const redisUrl = process.env["BENCH_REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** Settings a developer's shell may hold that would change the servers' mode. */
const STRIPPED = [
  "DATABASE_URL",
  "REDIS_URL",
  "REDIS_KEY_PREFIX",
  "ADMIN_TOKEN",
  "JWT_SECRET",
  "PORT",
  "HOST",
  "NODE_OPTIONS",
];

export interface MultiverseNode {
  name: string;
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port>/graphql */
  wsUrl: string;
  proc: Proc;
}

export interface Cluster {
  dbUrl: string;
  redisPrefix: string;
  nodes: MultiverseNode[];
  redis: Redis;
  stop(): Promise<void>;
}

/** How to start the server: node's flags and the script. */
export interface ServerCommand {
  nodeArgs: string[];
  entry: string;
}

let bundle: Promise<ServerCommand> | undefined;

/**
 * The server as production runs it (`npm run build`, then `npm run start:prod`): bundled once per
 * benchmark run into a directory of its own (server/dist stays as it was) and removed when the
 * run ends, however it ends. `BENCH_SERVER_NODE_ARGS` go after the production flags.
 */
export function productionServer(): Promise<ServerCommand> {
  bundle ??= buildServerCopy("bench").then(({ dir, entry }) => {
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return { nodeArgs: [...PRODUCTION_NODE_ARGS, ...serverNodeArgs()], entry };
  });
  return bundle;
}

/**
 * Starts `n` server processes (`NODE_ENV=production node --enable-source-maps main.js`, the
 * production bundle) sharing a fresh database and a Redis prefix. The publish rate limit is
 * lifted (the benchmark measures throughput, not the limiter); `env` overrides any setting.
 */
export async function startCluster(n: number, env: Record<string, string> = {}): Promise<Cluster> {
  const db = await createBenchDatabase();
  const redisPrefix = `bench:${randomBytes(4).toString("hex")}:`;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  const nodes: MultiverseNode[] = [];
  const cleanup = async () => {
    await Promise.all(nodes.map((node) => node.proc.stop()));
    await deleteKeys(redis, `${redisPrefix}*`).catch(() => undefined);
    redis.disconnect();
    await db.drop();
  };
  const forget = onInterrupt(cleanup);
  try {
    await redis.connect().catch((err: unknown) => {
      throw new Error(`Redis at ${redisUrl} is not reachable (BENCH_REDIS_URL): ${String(err)}`);
    });
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED.includes(k)));
    const full = {
      ...base,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      ADMIN_TOKEN: ADMIN,
      JWT_SECRET,
      MIGRATE_ON_START: "false",
      DATA_DIR: "memory://",
      RATE_LIMIT_EVENTS_PER_SECOND: "1000000",
      MAX_QUERY_COST: "100000",
      ...env,
    };
    for (let i = 0; i < n; i++) {
      const name = `multiverse-${String.fromCharCode(65 + i)}`;
      const server = await productionServer();
      const proc = startNode(name, server.entry, full, { nodeArgs: server.nodeArgs });
      const node: MultiverseNode = { name, url: "", wsUrl: "", proc };
      nodes.push(node);
      const m = await proc.waitFor(/GraphQL\s+(http:\/\/\S+)\/graphql/, 90_000);
      node.url = m[1]!;
      node.wsUrl = `${node.url.replace(/^http/, "ws")}/graphql`;
    }
  } catch (err) {
    await cleanup();
    forget();
    throw err;
  }
  return {
    dbUrl: db.url,
    redisPrefix,
    nodes,
    redis,
    async stop() {
      forget();
      await cleanup();
    },
  };
}

/**
 * Extra node flags for the server processes, for profiling a scenario:
 * `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- --only register`.
 */
function serverNodeArgs(): string[] {
  return (process.env["BENCH_SERVER_NODE_ARGS"] ?? "").split(/\s+/).filter(Boolean);
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** A GraphQL request over HTTP; throws on errors. */
export async function gql<T>(url: string, credential: string, query: string, variables: object = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors ?? body));
  return body.data;
}

/** A GraphQL request body for the load workers' templates. */
export const gqlBody = (query: string, variables: object = {}): string => JSON.stringify({ query, variables });

/** Registers game `id` as the admin: its key and its first realm. */
export async function registerGame(url: string, id: string): Promise<{ apiKey: string; realmId: string }> {
  const r = await gql<{ registerGame: { apiKey: string; game: { realms: { id: string }[] } } }>(
    url,
    ADMIN,
    `mutation($id: String!) { registerGame(input: { id: $id, name: $id, developerName: "Bench",
      realm: { name: "R0", realmType: "t", adjacency: "a", resonance: "r" } }) { apiKey game { realms { id } } } }`,
    { id },
  );
  return { apiKey: r.registerGame.apiKey, realmId: r.registerGame.game.realms[0]!.id };
}

export async function createRoom(url: string, key: string, realmId: string, name: string): Promise<string> {
  const r = await gql<{ createRoom: { id: string } }>(
    url,
    key,
    `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }`,
    {
      i: { realmId, name },
    },
  );
  return r.createRoom.id;
}

/** Inserts `n` players of `gameId` straight into the database (the API would take minutes for 10,000). */
export async function seedPlayers(dbUrl: string, gameId: string, n: number, prefix = "p"): Promise<string[]> {
  const rows = await sql<{ id: string }>(
    dbUrl,
    `INSERT INTO players (id, game_id, external_id, display_name)
     SELECT gen_random_uuid(), $1, $2 || g, $2 || g FROM generate_series(1, $3::int) g RETURNING id::text`,
    [gameId, prefix, n],
  );
  return rows.map((r) => r.id);
}

/** Player tokens for `ids`, signed as the servers sign them (JWT_SECRET), valid for a day. */
export async function playerTokens(gameId: string, ids: string[]): Promise<string[]> {
  const tokens = new PlayerTokens(JWT_SECRET, 86_400);
  return Promise.all(ids.map(async (playerId) => (await tokens.issue({ playerId, gameId })).token));
}

/** Publishes a broadcast (no target) as the admin; the data carries `k` and `sentAt`. */
export async function publishBroadcast(url: string, data: object): Promise<void> {
  await gql(url, ADMIN, `mutation($d: JSON) { publishEvent(input: { type: "bench.fanout", data: $d }) { seq } }`, {
    d: data,
  });
}

/** Whether the server's Mutation type has `field`: by introspection, else from schema/schema.graphql. */
export async function hasMutation(url: string, field: string): Promise<boolean> {
  try {
    const r = await gql<{ __type: { fields: { name: string }[] } | null }>(
      url,
      ADMIN,
      `{ __type(name: "Mutation") { fields { name } } }`,
    );
    return r.__type?.fields.some((f) => f.name === field) ?? false;
  } catch {
    const schema = readFileSync(`${ROOT}/schema/schema.graphql`, "utf8");
    const mutation = schema.slice(schema.indexOf("type Mutation {"));
    return new RegExp(`^\\s+${field}\\(`, "m").test(mutation.slice(0, mutation.indexOf("\n}")));
  }
}

/** One metric's samples from /metrics: label set (or "") -> value. */
export async function readMetric(url: string, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = line.match(/^(\S+?)(\{[^}]*\})?\s+(\S+)$/);
    if (m && m[1] === name) out.set(m[2] ?? "", Number(m[3]));
  }
  return out;
}
