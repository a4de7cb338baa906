// A clean stop is bounded and gives everything back (docs/operations.md, "Shutdown"): from the
// first moment the node refuses new work (503 SERVICE_UNAVAILABLE; /readyz 503), a client that
// stopped reading cannot hold the stop up (its socket is cut when the grace runs out), and the
// node releases its tick lease and leaves the node registry, then exits 0 within
// SHUTDOWN_GRACE_SECONDS.
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { canCluster, startCluster, type Cluster } from "../support/cluster.ts";
import { gql } from "../support/graphql.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { leadingNodeId } from "../support/ticks.ts";
import { within } from "../support/wait.ts";

const GRACE_SECONDS = 5;
const PUBLISH = `mutation { publishEvent(input: { type: "late" }) { seq } }`;

async function countEvents(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM events")).rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe.skipIf(!canCluster())("shutdown", () => {
  let c: Cluster;
  let redis: Redis;
  let stalled: WebSocket | undefined;

  beforeAll(async () => {
    c = await startCluster(1, { TICK_HZ: "20", SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS) });
    redis = new Redis(c.env["REDIS_URL"]!, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    stalled?.terminate();
    redis?.disconnect();
    await c?.stop();
  });

  it("refuses new work at once, cuts a client that stopped reading, gives back the lease and its entry, exits 0 in time", async () => {
    const [node] = c.nodes;
    const prefix = c.env["REDIS_KEY_PREFIX"]!;
    const nodeId = await leadingNodeId(node!.proc);
    expect(await redis.get(`${prefix}lease:tick`)).toBe(nodeId);
    expect(await redis.zscore(`${prefix}nodes`, nodeId)).not.toBeNull();

    // A subscriber that stops reading: it will never answer the server's close frame.
    stalled = new WebSocket(`${node!.url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
    const socket = stalled;
    socket.on("error", () => undefined);
    await new Promise<void>((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const acked = new Promise<void>((resolve) =>
      socket.on("message", (m) => {
        const type = (JSON.parse(m.toString()) as { type: string }).type;
        if (type === "connection_ack") resolve();
      }),
    );
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }));
    await acked;
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { events { seq } }" } }));
    expect((await gql(node!.url, PUBLISH, {}, TEST_ADMIN_TOKEN)).errors).toBeUndefined();
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const cut = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    const eventsBefore = await countEvents(c.db.url!);

    const t0 = performance.now();
    node!.proc.child.kill("SIGTERM");
    await node!.proc.waitFor(/"shutting down: refusing new work/);
    // New work is refused from the first moment, and said to be retryable.
    const refused = await gql(node!.url, PUBLISH, {}, TEST_ADMIN_TOKEN);
    expect(refused.status).toBe(503);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", retryAfterMs: 1000 });
    const ready = await fetch(`${node!.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: "stopping" });

    expect(await within(node!.proc.exited, (GRACE_SECONDS + 1) * 1000, () => "the node to exit")).toBe(0);
    expect(performance.now() - t0).toBeLessThan((GRACE_SECONDS + 1) * 1000);
    expect(node!.proc.output()).toContain('"msg":"stopped"');
    // The stalled client was cut (it never finished the close handshake, so no close code).
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await within(cut, 5_000, () => "the stalled client's socket to close")).toBeGreaterThan(0);
    // It gave back what it held, and the refused publish stored nothing.
    expect(await redis.get(`${prefix}lease:tick`)).not.toBe(nodeId);
    expect(await redis.zscore(`${prefix}nodes`, nodeId)).toBeNull();
    expect(await countEvents(c.db.url!)).toBe(eventsBefore);
  });
});
