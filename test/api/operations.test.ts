import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServer } from "node:net";
import { onRealPostgres } from "../support/database.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

/** A port nobody listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("health, readiness and metrics (in-memory bus)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.stop());

  it("/healthz answers while the process is up", async () => {
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("/readyz is ready when Postgres and the bus answer", async () => {
    const res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", checks: { postgres: "ok", bus: "ok" } });
  });

  it("echoes a sane x-request-id and makes one up otherwise", async () => {
    const given = await fetch(`${s.url}/healthz`, { headers: { "x-request-id": "trace-123" } });
    expect(given.headers.get("x-request-id")).toBe("trace-123");
    const weird = await fetch(`${s.url}/healthz`, { headers: { "x-request-id": "bad id with spaces" } });
    expect(weird.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("/metrics counts GraphQL operations and HTTP requests in Prometheus text", async () => {
    await s.gql("{ universe { games } }", {}, TEST_ADMIN_TOKEN);
    await s.gql("{ universe { games } }");
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/multiverse_graphql_operations_total\{type="query",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/multiverse_graphql_operations_total\{type="query",outcome="error"\} [1-9]/);
    expect(text).toMatch(/multiverse_graphql_operation_duration_seconds_count\{type="query"\} [2-9]/);
    expect(text).toMatch(/multiverse_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]/);
    expect(text).toMatch(/multiverse_process_resident_memory_bytes \d+/);
  });

  it("logs one JSON line per operation with its request id and caller kind", async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        "x-request-id": "log-probe-1",
      },
      body: JSON.stringify({ query: "query Probe { universe { games } }" }),
    });
    expect(res.status).toBe(200);
    const line = s.logs.find((l) => l["requestId"] === "log-probe-1");
    expect(line).toMatchObject({ msg: "graphql", operationName: "Probe", principal: "admin", outcome: "ok" });
  });
});

describe("readiness when a dependency is down", () => {
  // Embedded PGlite cannot be taken away from outside the process.
  it.skipIf(!onRealPostgres())("/readyz answers 503 and names Postgres when the database is gone", async () => {
    const s = await startTestServer();
    try {
      await s.db.drop();
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: "unavailable", checks: { postgres: "unreachable" } });
    } finally {
      await s.app.stop();
    }
  });
});

const redisUrl = inject("redisUrl");

describe.skipIf(!redisUrl)("readiness with Redis", () => {
  it("/readyz checks Redis when REDIS_URL is set", async () => {
    const s = await startTestServer({ REDIS_URL: redisUrl });
    try {
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });
    } finally {
      await s.stop();
    }
  });

  it("/readyz answers 503 when Redis does not answer", async () => {
    const s = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${await deadPort()}` });
    try {
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: "unavailable", checks: { postgres: "ok", redis: "unreachable" } });
      // The API itself still serves what needs only Postgres.
      const r = await s.gql<{ universe: { games: number } }>("{ universe { games } }", {}, TEST_ADMIN_TOKEN);
      expect(r.data?.universe.games).toBe(0);
    } finally {
      await s.stop();
    }
  });
});
