// `node --import tsx bench/tick-cost.ts`: what one control tick costs with TICK_GAMES active
// games and nothing to deliver, measured in this process with no other load on the server: the
// app runs with TICK_HZ=0 and a TickLeader of its own runs TICK_COUNT ticks back to back; the
// figure is each tick's own durationMs (what the Tick says; its publish is not in it). Median of
// TICK_RUNS runs.
import { Writable } from "node:stream";
import { buildApp } from "../server/src/app.ts";
import { loadConfig } from "../server/src/platform/config/env.ts";
import { createLogger } from "../server/src/platform/observability/logger.ts";
import { Metrics } from "../server/src/platform/observability/metrics.ts";
import { TickLeader } from "../server/src/platform/realtime/tick-leader.ts";
import { createBenchDatabase } from "./lib/database.ts";
import { median, quantile } from "./lib/stats.ts";

const GAMES = Number(process.env["TICK_GAMES"] ?? 10_000);
const COUNT = Number(process.env["TICK_COUNT"] ?? 300);
const RUNS = Number(process.env["TICK_RUNS"] ?? 3);

async function run(): Promise<{ p50: number; p99: number }> {
  const db = await createBenchDatabase();
  const config = loadConfig({
    PORT: "0",
    ADMIN_TOKEN: "tick-bench-admin-token-0123",
    JWT_SECRET: "tick-bench-jwt-secret-0123456789-0123456789",
    DATA_DIR: "memory://",
    LOG_LEVEL: "warn",
    MIGRATE_ON_START: "false",
    TICK_HZ: "0",
    DATABASE_URL: db.url,
  });
  const app = await buildApp(config, { logger: createLogger("warn", new Writable({ write: (_c, _e, d) => d() })) });
  await app.start();
  try {
    const { prisma, realtime } = app.services;
    await prisma.$executeRaw`
      INSERT INTO games (id, name, developer_name, api_key_hash, status, tick_every)
      SELECT 'g-' || i, 'G ' || i, 'Bench', md5('g-' || i), 'ACTIVE', 1 FROM generate_series(1, ${GAMES}) AS i`;
    // The app's own parts (prisma, bus, channels, logger), with a leader of the benchmark's.
    const leader = new TickLeader({
      ...app.services,
      log: realtime.log,
      metrics: new Metrics(),
      nodeId: "tick-bench",
      hz: 10,
      leaseMs: 2000,
    });
    for (let i = 0; i < 20; i++) await leader.tick(); // warm-up
    const times: number[] = [];
    for (let i = 0; i < COUNT; i++) times.push((await leader.tick()).durationMs);
    times.sort((a, b) => a - b);
    return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
  } finally {
    await app.stop();
    await db.drop();
  }
}

const p50: number[] = [];
const p99: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const x = await run();
  process.stdout.write(`run ${r + 1}: p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms\n`);
  p50.push(x.p50);
  p99.push(x.p99);
}
process.stdout.write(
  `idle tick, ${GAMES} games, ${COUNT} ticks x ${RUNS} runs: median p50 ${median(p50).toFixed(2)} ms, p99 ${median(p99).toFixed(2)} ms\n`,
);
