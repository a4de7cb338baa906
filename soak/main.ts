// `npm run soak`: the fault suite's mixed load on two real nodes for a while, with Redis and
// Postgres restarted every few minutes. Prints what it did (operations, events acknowledged,
// stored and received, lost and duplicated, server memory after the warm-up and at the end)
// and writes the result as JSON; exits 1 when an event was lost or duplicated.
//
//   npm run soak -- --minutes 30                 the run: faults every 3 minutes
//   npm run soak -- --seconds 40 --warmup 8 --fault-every 15 --outage 3   CI's short run
//
// Postgres: SOAK_DATABASE_URL (an admin URL; default the local server as the OS user), on
// which it creates a database of its own and drops it at the end. Redis: a private
// redis-server it starts (redis-server must be on PATH); the shared one is never touched.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { migrate } from "../server/src/platform/db/migrate.ts";
import { ROOT } from "../test/support/process.ts";
import { startRig } from "./rig.ts";
import { report, soak } from "./run.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string" },
    seconds: { type: "string" },
    warmup: { type: "string" },
    "fault-every": { type: "string", default: "180" },
    outage: { type: "string", default: "5" },
    publishers: { type: "string", default: "4" },
    rate: { type: "string", default: "10" },
    subscribers: { type: "string", default: "4" },
    players: { type: "string", default: "8" },
    out: { type: "string", default: `${ROOT}soak/results/latest.json` },
    help: { type: "boolean", default: false },
  },
});

if (values.help || (!values.minutes && !values.seconds)) {
  process.stdout.write(
    "npm run soak -- --minutes N | --seconds N [--warmup S] [--fault-every S (180)] [--outage S (5)]\n" +
      "  [--publishers N (4)] [--rate events/s per publisher (10)] [--subscribers N (4)] [--players N (8)] [--out file]\n",
  );
  process.exit(values.help ? 0 : 2);
}

const seconds = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number (got ${v})`);
  return n * 1000;
};
const durationMs = values.minutes ? seconds("minutes", values.minutes) * 60 : seconds("seconds", values.seconds);
// The warm-up: long enough for the heaps and pools to reach their working size (a minute), or a
// quarter of a short run.
const warmupMs = values.warmup ? seconds("warmup", values.warmup) : Math.min(60_000, durationMs / 4);

const log = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** A database of its own on the soak's Postgres, migrated; `drop` removes it. */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl =
    process.env["SOAK_DATABASE_URL"] ??
    `postgresql://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/postgres`;
  const name = `multiverse_soak_${randomBytes(4).toString("hex")}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(sql).finally(() => c.end());
  };
  await admin(`CREATE DATABASE "${name}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const drop = () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await migrate(u.toString()).catch(async (err: unknown) => {
    await drop();
    throw err;
  });
  return { url: u.toString(), drop };
}

const db = await createDatabase();
let failed: boolean;
try {
  const rig = await startRig({ databaseUrl: db.url, env: { MIGRATE_ON_START: "false" }, log });
  // Ctrl-C: stop the nodes and the private Redis, drop the database.
  process.once("SIGINT", () => {
    log("SIGINT: stopping");
    void rig
      .stop()
      .then(() => db.drop())
      .finally(() => process.exit(130));
  });
  try {
    log(`soak: ${durationMs / 1000} s, warm-up ${warmupMs / 1000} s, faults every ${Number(values["fault-every"])} s`);
    const result = await soak(rig, {
      durationMs,
      warmupMs,
      faultEveryMs: seconds("fault-every", values["fault-every"]),
      outageMs: seconds("outage", values.outage),
      load: {
        publishers: Number(values.publishers),
        publishRate: Number(values.rate),
        subscribers: Number(values.subscribers),
        players: Number(values.players),
      },
      log,
    });
    process.stdout.write(`${report(result)}\n`);
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
    log(`wrote ${values.out}`);
    failed = result.lost > 0 || result.duplicated > 0;
  } finally {
    await rig.stop();
  }
} finally {
  await db.drop();
}
process.exit(failed ? 1 : 0);
