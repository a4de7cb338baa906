import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { readdir } from "node:fs/promises";

export interface TestDatabase {
  /** A URL for a fresh, migrated database; undefined means "use embedded PGlite in memory". */
  url: string | undefined;
  drop(): Promise<void>;
}

/** `url` (a Postgres server's) with its database changed to `db`. */
export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** True when the suites run against a real Postgres server (not the PGlite fallback). */
export const onRealPostgres = (): boolean => inject("postgresUrl") !== "";

/**
 * A fresh database cloned from the migrated template (fast: no migrations per file). With no
 * Postgres server, returns no URL, and the server under test runs PGlite in memory.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("postgresUrl");
  if (!adminUrl) return { url: undefined, drop: async () => undefined };
  const name = `${inject("databasePrefix")}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${inject("templateDb")}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The migrations in prisma/migrations, in the order they apply. */
export async function migrationNames(): Promise<string[]> {
  const entries = await readdir(new URL("../../prisma/migrations/", import.meta.url), { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
