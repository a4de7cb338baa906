// What the benchmarks share: a fresh, migrated database of their own, and percentiles.
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import pg from "pg";
import { migrate } from "../server/src/platform/db/migrate.ts";

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

/** The `q` quantile (0–1) of an ascending list. */
export const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** The median of a list in any order. */
export const median = (xs: number[]): number =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
