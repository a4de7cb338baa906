// `node --import tsx bench/publish-load.ts [publish|batch|tick]`: the publish path and the
// control tick under load, against a production-mode server in a process of its own (Postgres
// and Redis), driven from this process. Each figure is the median of LOAD_RUNS runs.
//
//   publish  LOAD_CALLERS callers call publishEvent for LOAD_SECONDS: events/s, p50, p99
//   batch    LOAD_CALLERS callers call publishEvents with LOAD_BATCH inputs each: events/s
//   floor    the same callers on an authenticated `{ __typename }`, then GET /healthz: req/s
//   tick     LOAD_GAMES active games registered (straight into Postgres), then the durationMs
//            of every tick heard for LOAD_SECONDS (ticks subscription): p50, p99
//
// The server is the production bundle, as the suite runs it (bench/lib/multiverse.ts).
// SERVER_NODE_ARGS are given to the server's node (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import pg from "pg";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { gql } from "../test/support/graphql.ts";
import { createBenchDatabase } from "./lib/database.ts";
import { productionServer } from "./lib/multiverse.ts";
import { median, quantile } from "./lib/stats.ts";

const MODE = process.argv[2] ?? "publish";
const RUNS = Number(process.env["LOAD_RUNS"] ?? 3);
const SECONDS = Number(process.env["LOAD_SECONDS"] ?? 10);
const CALLERS = Number(process.env["LOAD_CALLERS"] ?? 32);
const BATCH = Number(process.env["LOAD_BATCH"] ?? 100);
const GAMES = Number(process.env["LOAD_GAMES"] ?? 10_000);
const ADMIN = `load-admin-${randomBytes(8).toString("hex")}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function startServer(databaseUrl: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const nodeArgs = (process.env["SERVER_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const server = await productionServer();
  const proc = spawn(process.execPath, [...server.nodeArgs, ...nodeArgs, server.entry], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `load-${randomBytes(4).toString("hex")}:`,
      ADMIN_TOKEN: ADMIN,
      JWT_SECRET: "load-jwt-secret-0123456789-0123456789",
      MIGRATE_ON_START: "false",
      LOG_LEVEL: "warn",
      RATE_LIMIT_EVENTS_PER_SECOND: "1000000",
      MAX_QUERY_COST: "1000000",
      TICK_HZ: process.env["LOAD_TICK_HZ"] ?? "10",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill("SIGKILL");
  throw new Error("server did not become ready");
}

async function stopServer(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  await exited;
}

/** One operation; its data, or it throws with the errors. */
async function post(
  url: string,
  credential: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<unknown> {
  const r = await gql(url, query, variables, credential);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

async function registerGame(url: string, id: string): Promise<string> {
  const r = (await post(
    url,
    ADMIN,
    `mutation($id: String!) { registerGame(input: { id: $id, name: $id, developerName: "Load",
      realm: { name: "R0", realmType: "t", adjacency: "a", resonance: "r" } }) { apiKey } }`,
    { id },
  )) as { registerGame: { apiKey: string } };
  return r.registerGame.apiKey;
}

/** `CALLERS` callers calling `call` back to back for `SECONDS`: events/s and per-call latency. */
async function drive(call: (i: number) => Promise<number>): Promise<{ rate: number; p50: number; p99: number }> {
  const times: number[] = [];
  let events = 0;
  let n = 0;
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const k = await call(n++);
        events += k;
        times.push(performance.now() - t);
      }
    }),
  );
  const rate = events / ((performance.now() - t0) / 1000);
  times.sort((a, b) => a - b);
  return { rate, p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

async function publishRun(url: string, key: string): Promise<Record<string, number>> {
  const q = `mutation($d: JSON) { publishEvent(input: { type: "load", data: $d }) { seq } }`;
  await drive(async (i) => (await post(url, key, q, { d: { i } }), 1)); // warm-up run, discarded
  const r = await drive(async (i) => (await post(url, key, q, { d: { i } }), 1));
  return { "events/s": r.rate, "p50 ms": r.p50, "p99 ms": r.p99 };
}

/** The floor: an authenticated `{ __typename }` (the credential lookup and the GraphQL pipeline). */
async function floorRun(url: string, key: string): Promise<Record<string, number>> {
  await drive(async () => (await post(url, key, "{ __typename }"), 1));
  const r = await drive(async () => (await post(url, key, "{ __typename }"), 1));
  const h = await drive(async () => (await fetch(`${url}/healthz`).then((x) => x.text()), 1));
  return { "req/s": r.rate, "p50 ms": r.p50, "p99 ms": r.p99, "healthz req/s": h.rate };
}

async function batchRun(url: string, key: string): Promise<Record<string, number>> {
  const q = `mutation($i: [PublishEventInput!]!) { publishEvents(inputs: $i) { seq } }`;
  const inputs = (i: number) => Array.from({ length: BATCH }, (_, j) => ({ type: "load", data: { i, j } }));
  const call = async (i: number) =>
    ((await post(url, key, q, { i: inputs(i) })) as { publishEvents: unknown[] }).publishEvents.length;
  await drive(call);
  const r = await drive(call);
  return { "events/s": r.rate, "p50 ms": r.p50, "p99 ms": r.p99 };
}

async function seedGames(databaseUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(
      `INSERT INTO games (id, name, developer_name, api_key_hash, status, tick_every)
       SELECT 'load-' || i, 'load ' || i, 'Load', md5('load' || i), 'ACTIVE', 1 FROM generate_series(1, $1) AS i`,
      [GAMES],
    );
  } finally {
    await c.end();
  }
}

async function tickRun(url: string): Promise<Record<string, number>> {
  const ws = url.replace("http", "ws") + "/graphql";
  const client = createClient({
    url: ws,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${ADMIN}` },
  });
  const durations: number[] = [];
  const gamesSynced: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const stop = client.subscribe<{ ticks: { durationMs: number; gamesSynced: number } }>(
      { query: "subscription { ticks { durationMs gamesSynced } }" },
      {
        next: (m) => {
          durations.push(m.data!.ticks.durationMs);
          gamesSynced.push(m.data!.ticks.gamesSynced);
        },
        error: reject,
        complete: () => resolve(),
      },
    );
    setTimeout(() => {
      stop();
      resolve();
    }, SECONDS * 1000);
  });
  await client.dispose();
  durations.sort((a, b) => a - b);
  return {
    ticks: durations.length,
    "p50 ms": quantile(durations, 0.5),
    "p99 ms": quantile(durations, 0.99),
    gamesSynced: median(gamesSynced),
  };
}

async function main(): Promise<void> {
  const all: Record<string, number[]> = {};
  for (let run = 0; run < RUNS; run++) {
    const db = await createBenchDatabase();
    let server: { url: string; proc: ChildProcess } | undefined;
    try {
      if (MODE === "tick") await seedGames(db.url);
      server = await startServer(db.url);
      let r: Record<string, number>;
      if (MODE === "tick") r = await tickRun(server.url);
      else {
        const key = await registerGame(server.url, "load");
        const run = { batch: batchRun, floor: floorRun, publish: publishRun }[MODE];
        if (!run) throw new Error(`unknown mode ${MODE}: publish, batch, floor or tick`);
        r = await run(server.url, key);
      }
      process.stdout.write(`run ${run + 1}: ${JSON.stringify(r)}\n`);
      for (const [k, v] of Object.entries(r)) (all[k] ??= []).push(v);
    } finally {
      if (server) await stopServer(server.proc);
      await db.drop();
    }
  }
  const summary = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(median(v).toFixed(2))]));
  process.stdout.write(
    `${MODE}: callers=${CALLERS} seconds=${SECONDS} batch=${BATCH} games=${GAMES} runs=${RUNS} medians ${JSON.stringify(summary)}\n`,
  );
}

await main();
