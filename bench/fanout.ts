// `npm run bench:fanout`: publish-to-receive latency of events fanned out to graphql-ws
// subscribers across two real server processes sharing a fresh Postgres database
// (BENCH_DATABASE_URL, default the local server) and Redis (BENCH_REDIS_URL). Events are
// published one at a time, alternating between the nodes' HTTP APIs; every subscriber records
// when each arrived. Each figure is the median of RUNS runs, and is also given as a ratio to
// the p50 of a raw Redis PUBLISH -> SUBSCRIBE round trip measured in the same run, the floor of
// cross-node delivery.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "graphql-ws";
import { Redis } from "ioredis";
import WebSocket from "ws";
import { createBenchDatabase, median, quantile } from "./support.ts";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const EVENTS = Number(process.env["BENCH_EVENTS"] ?? 200);
const SUBSCRIBERS = Number(process.env["BENCH_SUBSCRIBERS"] ?? 100);
const WARMUP = 20;
const TICK_HZ = process.env["BENCH_TICK_HZ"] ?? "10";
/** Longest wait for one event to reach every subscriber before the benchmark gives up. */
const DELIVERY_TIMEOUT_MS = 10_000;
const ADMIN = "bench-admin-token-0123456789";
const JWT_SECRET = "bench-jwt-secret-0123456789-0123456789";
const ROOT = fileURLToPath(new URL("../", import.meta.url));

const redisUrl = process.env["BENCH_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const suffix = randomBytes(4).toString("hex");
const redisPrefix = `bench:${suffix}:`;

/** Wall-clock time in ms with sub-ms resolution, as carried in each event. */
const now = () => performance.timeOrigin + performance.now();

interface Stats {
  p50: number;
  p99: number;
  max: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1]! };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Server processes

interface Node {
  name: string;
  url: string;
  child: ChildProcess;
  exited: Promise<unknown>;
  output(): string;
}

const children = new Set<ChildProcess>();
// Last resort should the benchmark itself die: never leave a server behind.
process.once("exit", () => children.forEach((c) => c.kill("SIGKILL")));

/** Settings a developer's shell may hold that would change the servers' mode. */
const STRIPPED = ["DATABASE_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "ADMIN_TOKEN", "JWT_SECRET", "PORT", "HOST"];

/** Starts `node --import tsx server/src/main.ts` and waits for the URL in its banner. */
async function startNode(name: string, env: Record<string, string>): Promise<Node> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED.includes(k)));
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  const exited = new Promise<unknown>((resolve) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    }),
  );
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out = (out + chunk.toString("utf8")).slice(-20_000);
      const m = out.match(/GraphQL\s+(http:\/\/\S+)\/graphql/);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => reject(new Error(`${name} exited (${String(code)}) before its banner:\n${out}`)));
  });
  url.catch(() => undefined); // settled below; a late exit must not be an unhandled rejection
  const node: Node = { name, url: "", child, exited, output: () => out };
  try {
    node.url = await withTimeout(url, 60_000, `${name}'s banner`);
  } catch (err) {
    await stopNode(node);
    throw err;
  }
  return node;
}

/** SIGTERM, then waits for the exit (SIGKILL if it takes over 15 s; the server allows itself 10). */
async function stopNode(node: Node): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  node.child.kill("SIGTERM");
  await withTimeout(node.exited, 15_000, `${node.name} to exit`).catch(() => {
    node.child.kill("SIGKILL");
    return node.exited;
  });
}

async function publish(url: string, data: object): Promise<void> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({
      query: `mutation($d: JSON) { publishEvent(input: { type: "bench.fanout", data: $d }) { seq } }`,
      variables: { d: data },
    }),
  });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}

// ---------------------------------------------------------------------------------------------
// Subscribers

interface EventData {
  /** The event's key: `<run>:<index>`, or `probe:<n>`. */
  k: string;
  /** When the publisher sent it (`now()`). */
  sentAt: number;
  /** Index of the node it was published through. */
  via: number;
}

interface Delivery {
  /** Subscriber's node index. */
  node: number;
  data: EventData;
  ms: number;
}

/** Who waits for event `k` to reach every subscriber. */
const awaited = new Map<string, { left: number; done: () => void }>();
let sink: Delivery[] | undefined;
let failure: Error | undefined;
let onFailure: ((e: Error) => void) | undefined;
/** Set once the benchmark closes its subscribers itself. */
let stopping = false;

function fail(err: Error): void {
  if (stopping) return;
  failure ??= err;
  onFailure?.(failure);
}

function subscriber(node: number, url: string): { client: Client; connected: Promise<void> } {
  let ack!: () => void;
  const connected = new Promise<void>((r) => (ack = r));
  const client = createClient({
    url: `${url.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${ADMIN}` },
    lazy: false,
    retryAttempts: 0,
    shouldRetry: () => false,
    on: {
      connected: () => ack(),
      closed: (e) => {
        fail(new Error(`a subscriber on node ${node} was closed: ${(e as { code?: number }).code}`));
      },
    },
    onNonLazyError: (e) => fail(new Error(`a subscriber on node ${node} failed: ${String(e)}`)),
  });
  client.subscribe<{ events: { seq: string; data: EventData } }>(
    { query: "subscription { events { seq data } }" },
    {
      next: (msg) => {
        const at = now();
        if (msg.errors || !msg.data) return fail(new Error(`subscription error: ${JSON.stringify(msg.errors)}`));
        const data = msg.data.events.data;
        sink?.push({ node, data, ms: at - data.sentAt });
        const w = awaited.get(data.k);
        if (w && --w.left === 0) {
          awaited.delete(data.k);
          w.done();
        }
      },
      error: (e) => fail(new Error(`subscription failed: ${JSON.stringify(e)}`)),
      complete: () => fail(new Error("a subscription completed")),
    },
  );
  return { client, connected };
}

/** Resolves once event `k` reached `count` subscribers; rejects on a timeout or a subscriber's failure. */
function everyone(k: string, count: number, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<void> {
  const arrived = new Promise<void>((done, reject) => {
    awaited.set(k, { left: count, done });
    onFailure = reject;
    if (failure) reject(failure);
  });
  const all = withTimeout(arrived, timeoutMs, `event ${k} to reach ${count} subscribers`).finally(() =>
    awaited.delete(k),
  );
  all.catch(() => undefined); // awaited by the caller, unless its publish failed first
  return all;
}

/** Publishes probes until one reaches every subscriber: from then on each is live. */
async function waitUntilLive(nodes: Node[], count: number): Promise<void> {
  for (let n = 0; n < 50; n++) {
    const k = `probe:${n}`;
    const arrived = everyone(k, count, 1_000);
    await publish(nodes[n % nodes.length]!.url, { k, sentAt: now(), via: n % nodes.length });
    try {
      await arrived;
      return;
    } catch (err) {
      if (failure) throw failure;
      if (!(err instanceof Error) || !err.message.startsWith("timed out")) throw err;
    }
  }
  throw new Error(`subscribers still not all live after 50 probes`);
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** Round trips of a raw Redis PUBLISH to a SUBSCRIBE-d connection, one at a time. */
async function redisBaseline(pub: Redis, sub: Redis, channel: string, n: number): Promise<number[]> {
  const times: number[] = [];
  let waiting: ((at: number) => void) | undefined;
  const onMessage = (ch: string) => {
    if (ch === channel) waiting?.(now());
  };
  sub.on("message", onMessage);
  try {
    for (let i = 0; i < n; i++) {
      const heard = new Promise<number>((r) => (waiting = r));
      const sentAt = now();
      await pub.publish(channel, JSON.stringify({ i, sentAt }));
      times.push((await withTimeout(heard, DELIVERY_TIMEOUT_MS, "a Redis message")) - sentAt);
    }
  } finally {
    sub.off("message", onMessage);
  }
  return times;
}

/** Publishes `n` events one at a time, alternating nodes; waits for each to reach everyone. */
async function fanOut(
  nodes: Node[],
  run: string,
  n: number,
  count: number,
): Promise<{ deliveries: Delivery[]; calls: number[] }> {
  const deliveries: Delivery[] = [];
  const calls: number[] = [];
  sink = deliveries;
  try {
    for (let i = 0; i < n; i++) {
      const via = i % nodes.length;
      const k = `${run}:${i}`;
      const arrived = everyone(k, count);
      const sentAt = now();
      await publish(nodes[via]!.url, { k, sentAt, via });
      calls.push(now() - sentAt);
      await arrived;
    }
  } finally {
    sink = undefined;
  }
  return { deliveries, calls };
}

// ---------------------------------------------------------------------------------------------

const ROWS = [
  "Redis PUBLISH -> SUBSCRIBE (baseline)",
  "publishEvent -> subscriber, all deliveries",
  "publishEvent -> subscriber, same node",
  "publishEvent -> subscriber, cross node",
  "publishEvent -> first subscriber of each event",
  "publishEvent -> last subscriber of each event",
  "publishEvent call (HTTP round trip)",
] as const;

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const nodes: Node[] = [];
  const clients: Client[] = [];
  const pub = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const sub = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // Failures surface through the commands; without listeners ioredis prints every retry.
  pub.on("error", () => undefined);
  sub.on("error", () => undefined);
  try {
    // Redis first: fail before starting anything.
    await Promise.all([pub.connect(), sub.connect()]).catch((err: unknown) => {
      throw new Error(`Redis at ${redisUrl} is not reachable (BENCH_REDIS_URL): ${String(err)}`);
    });
    const env = {
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      TICK_HZ,
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      ADMIN_TOKEN: ADMIN,
      JWT_SECRET,
      MIGRATE_ON_START: "false",
      DATA_DIR: "memory://",
    };
    for (const name of ["A", "B"]) nodes.push(await startNode(name, env));

    const subs = Array.from({ length: SUBSCRIBERS }, (_, i) => subscriber(i % 2, nodes[i % 2]!.url));
    clients.push(...subs.map((s) => s.client));
    await withTimeout(Promise.all(subs.map((s) => s.connected)), 30_000, `${SUBSCRIBERS} WebSocket connections`);
    await waitUntilLive(nodes, SUBSCRIBERS);

    const channel = `${redisPrefix}baseline`;
    await sub.subscribe(channel);

    const results = new Map<string, { p50: number[]; p99: number[]; max: number[]; r50: number[]; r99: number[] }>();
    const record = (row: string, s: Stats, floor: number) => {
      const e = results.get(row) ?? { p50: [], p99: [], max: [], r50: [], r99: [] };
      results.set(row, e);
      e.p50.push(s.p50);
      e.p99.push(s.p99);
      e.max.push(s.max);
      e.r50.push(s.p50 / floor);
      e.r99.push(s.p99 / floor);
    };
    for (let run = 0; run < RUNS; run++) {
      await redisBaseline(pub, sub, channel, WARMUP);
      const base = stats(await redisBaseline(pub, sub, channel, EVENTS));
      await fanOut(nodes, `warmup${run}`, WARMUP, SUBSCRIBERS);
      const { deliveries, calls } = await fanOut(nodes, `run${run}`, EVENTS, SUBSCRIBERS);
      const ms = (f: (d: Delivery) => boolean) => deliveries.filter(f).map((d) => d.ms);
      record(ROWS[0], base, base.p50);
      record(ROWS[1], stats(ms(() => true)), base.p50);
      record(ROWS[2], stats(ms((d) => d.node === d.data.via)), base.p50);
      record(ROWS[3], stats(ms((d) => d.node !== d.data.via)), base.p50);
      const first = new Map<string, number>();
      const last = new Map<string, number>();
      for (const d of deliveries) {
        first.set(d.data.k, Math.min(first.get(d.data.k) ?? Infinity, d.ms));
        last.set(d.data.k, Math.max(last.get(d.data.k) ?? -Infinity, d.ms));
      }
      record(ROWS[4], stats([...first.values()]), base.p50);
      record(ROWS[5], stats([...last.values()]), base.p50);
      record(ROWS[6], stats(calls), base.p50);
      process.stderr.write(`run ${run + 1}/${RUNS}: ${deliveries.length} deliveries\n`);
    }

    console.log(
      `\nMultiverse fan-out benchmark: 2 nodes (TICK_HZ=${TICK_HZ}), ${SUBSCRIBERS} subscribers (${SUBSCRIBERS / 2} per node), ` +
        `${RUNS} runs x ${EVENTS} sequential events, median of runs\n`,
    );
    console.log(
      "| measurement | p50 ms | p99 ms | max ms | p50 / Redis p50 | p99 / Redis p50 |\n|---|---:|---:|---:|---:|---:|",
    );
    for (const [row, r] of results) {
      const f = (xs: number[]) => median(xs).toFixed(2);
      const x = (xs: number[]) => `${median(xs).toFixed(1)}x`;
      console.log(`| ${row} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${x(r.r50)} | ${x(r.r99)} |`);
    }
    console.log();
  } finally {
    stopping = true;
    await Promise.all(clients.map((c) => c.dispose()));
    await Promise.all(nodes.map(stopNode));
    // The servers' keys (lease, node registry) under this run's prefix.
    await deleteKeys(pub, `${redisPrefix}*`).catch(() => undefined);
    pub.disconnect();
    sub.disconnect();
    await db.drop();
  }
}

await main();
