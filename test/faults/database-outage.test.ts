// Postgres away for a moment (restarting, unreachable) is a transient failure, and the server
// must say so: HTTP answers SERVICE_UNAVAILABLE with retryAfterMs and status 503, and a
// WebSocket that cannot be authenticated meanwhile is closed with 1013 (try again), never 4403,
// which clients treat as final. When Postgres is back, the same node serves again without a
// restart. The server reaches Postgres through a TCP proxy the test cuts and restores, so the
// shared Postgres of the other suites is left alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, onRealPostgres, type TestDatabase } from "../support/database.ts";
import { registerGame } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { connectWs } from "../support/ws.ts";
import { createMultiverseClient, type MultiverseError } from "../../sdk/src/index.ts";
import { waitUntil } from "../support/wait.ts";

describe.skipIf(!onRealPostgres())("Postgres away for a moment", () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let s: TestServer;
  let game: Awaited<ReturnType<typeof registerGame>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(db.url!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    // Credentials read afresh each time: this test is about a lookup that cannot reach Postgres
    // (a remembered key would sign in through the outage, which is what the cache is for).
    s = await startTestServer({ DATABASE_URL: proxied.toString(), CREDENTIAL_CACHE_SECONDS: "0" }, { db });
    game = await registerGame(s, TEST_ADMIN_TOKEN, "outage-game", { developerName: "Outage" });
  });
  afterAll(async () => {
    await proxy?.start().catch(() => undefined);
    await s?.stop();
    await proxy?.stop();
  });

  const query = async (credential: string) => {
    const res = await fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
      body: JSON.stringify({ query: "{ games { id } }" }),
    });
    const body = (await res.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    };
    return { status: res.status, body };
  };

  it("answers 503 SERVICE_UNAVAILABLE over HTTP and closes WebSockets with 1013, then serves again", async () => {
    expect((await query(game.apiKey)).body.errors).toBeUndefined();
    await proxy.stop();
    try {
      // A game key is looked up in Postgres: the request cannot be authenticated just now.
      const down = await query(game.apiKey);
      expect(down.status).toBe(503);
      expect(down.body.errors?.[0]?.extensions).toEqual({ code: "SERVICE_UNAVAILABLE", retryAfterMs: 1000 });
      expect(down.body.errors?.[0]?.message).toMatch(/unavailable for a moment/);
      // The admin needs no lookup to sign in, but its query needs Postgres.
      const read = await query(TEST_ADMIN_TOKEN);
      expect(read.status).toBe(503);
      expect(read.body.errors?.[0]?.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", retryAfterMs: 1000 });

      const c = connectWs(s.url, game.apiKey);
      const closed = await c.closed;
      expect(closed.code).toBe(1013);
      expect(closed.reason).toMatch(/unavailable for a moment/);
    } finally {
      await proxy.start();
    }
    // Back: the same node serves again, without a restart.
    await waitUntil("the node to serve again", async () => (await query(game.apiKey)).status === 200, 20_000);
    const c = connectWs(s.url, game.apiKey);
    try {
      await c.connected;
    } finally {
      await c.dispose();
    }
    // Nothing but the outage itself was logged as an error: no stack reached a client.
    expect(JSON.stringify((await query(game.apiKey)).body)).not.toMatch(/stack|at \w+ \(/);
  });

  it("the SDK sends a call answered SERVICE_UNAVAILABLE again until Postgres is back; with no retries it rejects", async () => {
    const statuses: number[] = [];
    const counted = async (input: string, init: RequestInit) => {
      const res = await fetch(input, init);
      statuses.push(res.status);
      return res;
    };
    const url = `${s.url}/graphql`;
    const patient = createMultiverseClient({ url, apiKey: game.apiKey, fetch: counted, unavailableRetries: 30 });
    const impatient = createMultiverseClient({ url, apiKey: game.apiKey, unavailableRetries: 0 });
    let pending: ReturnType<typeof patient.games> | undefined;
    await proxy.stop();
    try {
      const refused = (await impatient.games().catch((e: unknown) => e)) as MultiverseError;
      expect(refused).toMatchObject({ code: "SERVICE_UNAVAILABLE", retryAfterMs: 1000, status: 503 });
      pending = patient.games();
      pending.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      await waitUntil("the SDK to be answered 503", async () => statuses.includes(503), 10_000);
    } finally {
      await proxy.start();
    }
    const games = await pending!;
    expect(games.map((g) => g.id)).toContain(game.id);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.slice(0, -1).every((status) => status === 503)).toBe(true);
  });
});
