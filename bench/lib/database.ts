// A fresh, migrated Postgres database per benchmark, dropped afterwards.
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import pg from "pg";
import { migrate } from "../../server/src/platform/db/migrate.ts";

/** The Postgres server to benchmark on: BENCH_DATABASE_URL, default the local one as the OS user. */
export const benchAdminUrl =
  process.env["BENCH_DATABASE_URL"] ??
  `postgresql://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/postgres`;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: benchAdminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates and migrates `multiverse_bench_<random>` on the benchmark server; `drop` removes it. */
export async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `multiverse_bench_${randomBytes(4).toString("hex")}`;
  await admin(`CREATE DATABASE "${name}"`);
  const u = new URL(benchAdminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  try {
    await migrate(url);
  } catch (err) {
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw err;
  }
  return { url, drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** Runs `text` on the database at `url` (one connection) and returns its rows. */
export async function sql<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}
