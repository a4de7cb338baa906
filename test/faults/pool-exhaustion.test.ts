// The database pool exhausted is a transient failure like Postgres away (issue 12, item 7): a
// request that waits DATABASE_POOL_TIMEOUT_MS for a connection and gets none answers 503
// SERVICE_UNAVAILABLE with retryAfterMs, and a WebSocket that cannot be opened meanwhile (its key
// cannot be looked up, or its game's quotas cannot be read) is closed with 1013 (try again),
// never 4403 or 4500. Once the connections are free again, the same node serves again without a
// restart. The pool is exhausted for real: a server with a pool of 2 connections, both held by
// requests blocked on a table lock this test holds from a connection of its own.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { onRealPostgres } from "../support/database.ts";
import { registerGame } from "../support/fixtures.ts";
import { type GqlResult } from "../support/graphql.ts";
import { sseSubscribe } from "../support/sse.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";
import { connectWs } from "../support/ws.ts";

const POOL_SIZE = 2;
const POOL = { DATABASE_POOL_SIZE: String(POOL_SIZE), DATABASE_POOL_TIMEOUT_MS: "500", MAX_CONCURRENT_REPLAYS: "1" };
/** Needs `realms` only: blocked while the test holds that table. */
const BLOCKED = "{ realms(first: 1) { id } }";
/** Needs `games` (and a game key's lookup reads `games` too), never `realms`. */
const PROBE = "{ games { id } }";

interface Hold {
  /** The requests that hold the pool's connections, answered once the lock is let go. */
  held: Promise<GqlResult[]>;
  /** Lets go of the lock; the held requests then finish. */
  release(): Promise<GqlResult[]>;
}

/**
 * Takes every connection of `s`'s pool: locks `realms` from a connection of the test's own, sends
 * POOL_SIZE requests that read it, and waits until Postgres shows that many of the server's
 * statements waiting for the lock (so each holds a pool connection).
 */
async function holdPool(s: TestServer): Promise<Hold> {
  const locker = new pg.Client({ connectionString: s.db.url });
  await locker.connect();
  await locker.query("BEGIN");
  await locker.query("LOCK TABLE realms IN ACCESS EXCLUSIVE MODE");
  const held = Promise.all(Array.from({ length: POOL_SIZE }, () => s.gql(BLOCKED, {}, TEST_ADMIN_TOKEN)));
  held.catch(() => undefined); // awaited by release
  const release = async () => {
    await locker.query("ROLLBACK");
    await locker.end();
    return held;
  };
  try {
    await waitUntil(`${POOL_SIZE} of the server's statements waiting for the lock`, async () => {
      // Inside a transaction pg_stat_activity is read once and kept: read it afresh each time.
      await locker.query("SELECT pg_stat_clear_snapshot()");
      const { rows } = await locker.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
      );
      return rows[0]!.n >= POOL_SIZE;
    });
  } catch (err) {
    await release();
    throw err;
  }
  return { held, release };
}

const expectUnavailable = (r: GqlResult) => {
  expect(r.status).toBe(503);
  expect(r.data ?? null).toBeNull();
  expect(r.errors?.[0]?.extensions).toEqual({ code: "SERVICE_UNAVAILABLE", retryAfterMs: 1000 });
  expect(r.errors?.[0]?.message).toMatch(/unavailable for a moment/);
  expect(JSON.stringify(r.errors)).not.toMatch(/stack|timeout exceeded|at \w+ \(/);
};

/** Opens a WebSocket with `credential`, which must be acknowledged, and closes it. */
async function expectOpens(s: TestServer, credential: string): Promise<void> {
  const c = connectWs(s.url, credential);
  try {
    await c.connected;
  } finally {
    await c.dispose();
  }
}

/**
 * A server with the small pool for the enclosing `describe`, remembering credentials for
 * `credentialCacheSeconds`, with one game registered (`gameId`).
 */
function smallPoolServer(credentialCacheSeconds: number, gameId: string) {
  const server = {} as { s: TestServer; game: Awaited<ReturnType<typeof registerGame>> };
  beforeAll(async () => {
    server.s = await startTestServer({ ...POOL, CREDENTIAL_CACHE_SECONDS: String(credentialCacheSeconds) });
    server.game = await registerGame(server.s, TEST_ADMIN_TOKEN, gameId, { developerName: "Pool" });
  });
  afterAll(async () => {
    await server.s?.stop();
  });
  return server;
}

describe.skipIf(!onRealPostgres())("the database pool exhausted", () => {
  describe("a credential that must be looked up", () => {
    // Credentials read afresh each time: every sign-in below needs a connection.
    const server = smallPoolServer(0, "pool-game");

    it("answers 503 SERVICE_UNAVAILABLE over HTTP and closes WebSockets with 1013, then serves again", async () => {
      const { s, game } = server;
      expect((await s.gql(PROBE, {}, game.apiKey)).status).toBe(200);
      const hold = await holdPool(s);
      let held: GqlResult[];
      try {
        // The game key's lookup waits for a connection, and gives up after 500 ms.
        expectUnavailable(await s.gql(PROBE, {}, game.apiKey));
        // The admin signs in without a lookup; its query needs a connection all the same.
        expectUnavailable(await s.gql(PROBE, {}, TEST_ADMIN_TOKEN));
        const c = connectWs(s.url, game.apiKey);
        expect(await c.closed).toEqual({ code: 1013, reason: expect.stringMatching(/unavailable for a moment/) });
      } finally {
        held = await hold.release();
      }
      // The requests that held the pool were only slowed down.
      for (const r of held) expect(r.errors).toBeUndefined();
      // Free again: the same node serves the same requests, without a restart.
      const r = await s.gql<{ games: { id: string }[] }>(PROBE, {}, game.apiKey);
      expect(r.status).toBe(200);
      expect(r.data?.games.map((g) => g.id)).toEqual([game.id]);
      await expectOpens(s, game.apiKey);
      expect(s.logs.filter((l) => l["msg"] === "could not authenticate: a dependency is unavailable")).not.toEqual([]);
    });
  });

  describe("a remembered credential whose game's quotas must be read", () => {
    const server = smallPoolServer(300, "pool-quotas");

    it("closes the WebSocket with 1013, not 4500, answers SSE 503, and opens it once the pool is free", async () => {
      const { s, game } = server;
      // The key is remembered from this connection on; the override makes the node forget the quotas.
      await expectOpens(s, game.apiKey);
      const set = await s.gql(
        `mutation { setGameQuotas(id: "${game.id}", quotas: { rooms: 50 }) { id } }`,
        {},
        TEST_ADMIN_TOKEN,
      );
      expect(set.errors).toBeUndefined();
      const stderr = vi.spyOn(console, "error");
      const hold = await holdPool(s);
      try {
        const c = connectWs(s.url, game.apiKey);
        expect(await c.closed).toEqual({ code: 1013, reason: expect.stringMatching(/unavailable for a moment/) });
        // Said in one JSON log line, not printed with its stack by graphql-ws.
        expect(stderr).not.toHaveBeenCalled();
        const logged = s.logs.filter((l) => l["msg"] === "websocket: could not open: a dependency is unavailable");
        expect(logged).toHaveLength(1);
        // Over SSE the same failure is a 503 before the stream opens.
        const stream = await sseSubscribe(s.url, game.apiKey, "subscription { ticks { number } }");
        expect(stream.status).toBe(503);
        expect(stream.body).toEqual({
          errors: [
            {
              message: expect.stringMatching(/unavailable for a moment/),
              extensions: { code: "SERVICE_UNAVAILABLE", retryAfterMs: 1000 },
            },
          ],
        });
      } finally {
        stderr.mockRestore();
        await hold.release();
      }
      await expectOpens(s, game.apiKey);
    });
  });
});
