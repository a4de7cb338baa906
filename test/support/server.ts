import { Writable } from "node:stream";
import { buildApp, type App } from "../../server/src/app.ts";
import { loadConfig } from "../../server/src/platform/config/env.ts";
import { createLogger } from "../../server/src/platform/observability/logger.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { gql, type GqlResult } from "./graphql.ts";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";
export const TEST_JWT_SECRET = "test-jwt-secret-0123456789-0123456789";

export interface TestServer {
  app: App;
  url: string;
  db: TestDatabase;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Every log line as raw text. */
  rawLogs: string[];
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    credential?: string,
  ): Promise<GqlResult<T>>;
  stop(): Promise<void>;
}

/**
 * Starts the real server in this process on a free port, over a fresh database (a clone of the
 * migrated template, or PGlite in memory when no Postgres answers). `env` overrides settings;
 * `options.db` reuses a database (see `restartTestServer`).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { db?: TestDatabase } = {},
): Promise<TestServer> {
  const db = options.db ?? (await createTestDatabase());
  const config = loadConfig({
    PORT: "0",
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: "memory://",
    MIGRATE_ON_START: db.url ? "false" : "true",
    LOG_LEVEL: "info",
    // Suites about the tick turn it on; elsewhere it would only change rows under their feet.
    TICK_HZ: "0",
    // Heartbeat presence lasts the whole suite unless a suite about presence shortens it.
    PRESENCE_TTL_SECONDS: "3600",
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...env,
  });
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const app = await buildApp(config, { logger: createLogger(config.logLevel, sink) });
  await app.start();
  return {
    app,
    url: app.url,
    db,
    logs,
    rawLogs,
    gql: (query, variables, credential) => gql(app.url, query, variables, credential),
    async stop() {
      await app.stop();
      await db.drop();
    },
  };
}

/**
 * Stops `s`'s app (its subscribers are closed with 1001) and starts a new one on the same port
 * and database, as a restarted node would be. Needs real Postgres: PGlite's data lives in the
 * stopped app. The returned server's `stop()` drops the database.
 */
export async function restartTestServer(s: TestServer, env: Record<string, string> = {}): Promise<TestServer> {
  if (!s.db.url) throw new Error("restartTestServer needs a real Postgres (PGlite data dies with the app)");
  await s.app.stop();
  return startTestServer({ ...env, PORT: new URL(s.url).port }, { db: s.db });
}
