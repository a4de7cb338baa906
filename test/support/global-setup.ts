// Runs once before every test file: finds Postgres and Redis, prepares a migrated template
// database, and tells the test files (vitest `provide`/`inject`) what they can use.
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import pg from "pg";
import { Redis } from "ioredis";
import type { TestProject } from "vitest/node";
import { migrate } from "../../server/src/platform/db/migrate.ts";
import { unavailable } from "./availability.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the test Postgres server, or "" to use embedded PGlite. */
    postgresUrl: string;
    /** Name of the migrated template database test files clone ("" with PGlite). */
    templateDb: string;
    /** The prefix of this run's database names. */
    databasePrefix: string;
    /** Redis URL, or "" when none answers (Redis-only suites skip). */
    redisUrl: string;
  }
}

/**
 * Every database of this run starts with PREFIX, which holds the run's start time, so
 * concurrent runs against one Postgres never touch each other's databases, and leftovers of a
 * crashed run can be told by age.
 */
const PREFIX = `multiverse_test_${Math.floor(Date.now() / 1000)}_${randomBytes(3).toString("hex")}`;
const TEMPLATE = `${PREFIX}_template`;
const LEFTOVER_AGE_SECONDS = 2 * 60 * 60;

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function prepareTemplate(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Leftovers of runs that crashed long ago (a run still going is younger).
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'multiverse\\_test\\_%'",
    );
    const cutoff = Date.now() / 1000 - LEFTOVER_AGE_SECONDS;
    for (const { datname } of rows) {
      const started = Number(/^multiverse_test_(\d+)_/.exec(datname)?.[1]);
      if (started < cutoff) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE "${TEMPLATE}"`);
  } finally {
    await admin.end();
  }
  await migrate(withDatabase(adminUrl, TEMPLATE));
}

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Like psql, default to the OS user (node-pg would read $USER, which is often unset).
  const postgresUrl =
    process.env["TEST_DATABASE_URL"] ??
    `postgresql://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/postgres`;
  const redisUrl = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
  const haveRedis = await redisAnswers(redisUrl);
  const havePostgres = await postgresAnswers(postgresUrl);

  // Without Postgres the suites run on embedded PGlite; without Redis its suites skip. Not in CI.
  unavailable("Postgres (TEST_DATABASE_URL)", havePostgres ? null : `nothing answers at ${postgresUrl}`);
  unavailable("Redis (TEST_REDIS_URL)", haveRedis ? null : `nothing answers at ${redisUrl}`);
  if (havePostgres) await prepareTemplate(postgresUrl);
  project.provide("postgresUrl", havePostgres ? postgresUrl : "");
  project.provide("templateDb", havePostgres ? TEMPLATE : "");
  project.provide("databasePrefix", PREFIX);
  project.provide("redisUrl", haveRedis ? redisUrl : "");

  return async () => {
    if (!havePostgres) return;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
      [PREFIX],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.end();
  };
}
