// `npm run bench`: latency and throughput of the main API operations against a real server in
// this process, on a fresh Postgres database (BENCH_DATABASE_URL, default the local server)
// or embedded PGlite (BENCH_DATABASE_URL=embedded). Each figure is the median of RUNS runs;
// latencies are also given as a ratio to GET /healthz measured in the same run, the HTTP floor.
import { Writable } from "node:stream";
import { buildApp } from "../server/src/app.ts";
import { loadConfig } from "../server/src/platform/config/env.ts";
import { createLogger } from "../server/src/platform/observability/logger.ts";
import { benchAdminUrl, createBenchDatabase, median, quantile } from "./support.ts";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const SEQUENTIAL = Number(process.env["BENCH_REQUESTS"] ?? 300);
const CONCURRENCY = 16;
const ADMIN = "bench-admin-token-0123456789";

const embedded = benchAdminUrl === "embedded";

async function post(url: string, credential: string, query: string, variables: object = {}): Promise<unknown> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** p50 and p99 in ms of `n` sequential calls. */
async function latency(n: number, call: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

/** Operations per second with `CONCURRENCY` callers doing `n` calls in all. */
async function throughput(n: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await call(next++);
    }),
  );
  return n / ((performance.now() - t) / 1000);
}

/** Players the game vouches for in one heartbeat (all online after the first call). */
const HEARTBEAT_PLAYERS = 200;

/** Games in the directory besides "bench", each with 3 realms of 2 rooms (the nested query's load). */
const DIRECTORY_GAMES = 20;

/** Registers game `id` as the admin: its key and its first realm. */
async function registerBenchGame(url: string, id: string): Promise<{ apiKey: string; realmId: string }> {
  const r = (await post(
    url,
    ADMIN,
    `mutation($id: String!) { registerGame(input: { id: $id, name: $id, developerName: "Bench",
      realm: { name: "R0", realmType: "t", adjacency: "a", resonance: "r" } }) { apiKey game { realms { id } } } }`,
    { id },
  )) as { registerGame: { apiKey: string; game: { realms: { id: string }[] } } };
  return { apiKey: r.registerGame.apiKey, realmId: r.registerGame.game.realms[0]!.id };
}

async function createBenchRoom(url: string, key: string, realmId: string, name: string): Promise<string> {
  const r = (await post(url, key, `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }`, {
    i: { realmId, name },
  })) as { createRoom: { id: string } };
  return r.createRoom.id;
}

async function upsertBenchPlayer(url: string, key: string, externalId: string): Promise<string> {
  const r = (await post(
    url,
    key,
    `mutation($e: String!) { upsertPlayer(input: { externalId: $e, displayName: $e }) { id } }`,
    {
      e: externalId,
    },
  )) as { upsertPlayer: { id: string } };
  return r.upsertPlayer.id;
}

async function seedDirectory(url: string): Promise<void> {
  for (let g = 0; g < DIRECTORY_GAMES; g++) {
    const game = await registerBenchGame(url, `dir-${g}`);
    const realmIds = [game.realmId];
    for (const name of ["R1", "R2"]) {
      const r = (await post(url, game.apiKey, `mutation($i: CreateRealmInput!) { createRealm(input: $i) { id } }`, {
        i: { name, realmType: "t", adjacency: "a", resonance: "r" },
      })) as { createRealm: { id: string } };
      realmIds.push(r.createRealm.id);
    }
    for (const realmId of realmIds) {
      for (const name of ["A", "B"]) await createBenchRoom(url, game.apiKey, realmId, name);
    }
  }
}

async function main(): Promise<void> {
  const db = embedded ? undefined : await createBenchDatabase();
  const config = loadConfig({
    PORT: "0",
    ADMIN_TOKEN: ADMIN,
    JWT_SECRET: "bench-jwt-secret-0123456789-0123456789",
    DATA_DIR: "memory://",
    LOG_LEVEL: "warn",
    MIGRATE_ON_START: embedded ? "true" : "false",
    MAX_QUERY_COST: "100000",
    ...(db ? { DATABASE_URL: db.url } : {}),
  });
  const silent = new Writable({ write: (_c, _e, done) => done() });
  const app = await buildApp(config, { logger: createLogger("warn", silent) });
  await app.start();
  const url = app.url;
  try {
    const { apiKey: key, realmId } = await registerBenchGame(url, "bench");
    const rooms: string[] = [];
    for (const name of ["A", "B"]) rooms.push(await createBenchRoom(url, key, realmId, name));
    const playerId = await upsertBenchPlayer(url, key, "p");
    await seedDirectory(url);
    const crowd: string[] = [];
    for (let i = 0; i < HEARTBEAT_PLAYERS; i++) crowd.push(await upsertBenchPlayer(url, key, `crowd-${i}`));

    const ops: Record<string, (i: number) => Promise<unknown>> = {
      "GET /healthz (baseline)": () => fetch(`${url}/healthz`).then((r) => r.text()),
      "query games": () => post(url, key, "{ games { id name status } }"),
      [`query games { realms { rooms } } (admin, ${DIRECTORY_GAMES + 1} games)`]: () =>
        post(url, ADMIN, "{ games { id realms { id name rooms { id name } } } }"),
      "query events(first: 50)": () => post(url, key, "{ events(first: 50) { nodes { seq type data } } }"),
      "mutation movePlayer": (i) =>
        post(url, key, `mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id } }`, {
          p: playerId,
          r: rooms[i % 2],
        }),
      [`mutation heartbeat (${HEARTBEAT_PLAYERS} players, online)`]: () =>
        post(url, key, `mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids: crowd }),
      "mutation publishEvent": (i) =>
        post(url, key, `mutation($d: JSON) { publishEvent(input: { type: "bench", data: $d }) { seq } }`, {
          d: { i },
        }),
    };

    const results: Record<string, { p50: number[]; p99: number[]; ratio: number[] }> = {};
    const publishRate: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let floor = 1;
      for (const [name, call] of Object.entries(ops)) {
        await latency(20, call); // warm-up
        const r = await latency(SEQUENTIAL, call);
        if (name.includes("baseline")) floor = r.p50;
        const entry = (results[name] ??= { p50: [], p99: [], ratio: [] });
        entry.p50.push(r.p50);
        entry.p99.push(r.p99);
        entry.ratio.push(r.p50 / floor);
      }
      publishRate.push(await throughput(SEQUENTIAL * 2, ops["mutation publishEvent"]!));
    }

    const db = embedded ? "embedded PGlite" : "Postgres";
    console.log(
      `\nMultiverse API benchmark: ${db}, ${RUNS} runs x ${SEQUENTIAL} sequential requests, median of runs\n`,
    );
    console.log("| operation | p50 ms | p99 ms | p50 / healthz p50 |");
    console.log("|---|---:|---:|---:|");
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `| ${name} | ${median(r.p50).toFixed(2)} | ${median(r.p99).toFixed(2)} | ${median(r.ratio).toFixed(1)}x |`,
      );
    }
    console.log(
      `\npublishEvent throughput, ${CONCURRENCY} concurrent callers: ${median(publishRate).toFixed(0)} events/s\n`,
    );
  } finally {
    await app.stop();
    await db?.drop();
  }
}

await main();
