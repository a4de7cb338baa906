// Replays (`events(since)`) are the one read whose size the client chooses: a connection with
// many subscriptions replaying a log of large events, and not reading, must not take the node's
// memory or its database pool. Replay pages are bounded by bytes (1 MiB) as well as rows (500),
// a connection reads 2 pages at once and a node MAX_CONCURRENT_REPLAYS; a client that stops
// reading holds one page per running replay until the keep-alive drops it (here after ~2 s,
// WEBSOCKET_KEEPALIVE_SECONDS=1). Meanwhile a normal client's latency stays within
// a bound read from a baseline in the same test, and the server's heap within a budget.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latency, latencyBound, median, watchHeap } from "../support/abuse.ts";
import { appendEvents } from "../support/event-log.ts";
import { metricValue } from "../support/metrics.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { connectWs, subscribe } from "../support/ws.ts";

const EVENTS = 400;
const DATA_BYTES = 60_000;
/** Heap the server (in this process) may grow by while replays are stuck. */
const MEMORY_BUDGET_BYTES = 200 * 1024 * 1024;
const REPLAY = `subscription($s: Int64) { events(since: $s) { seq data } }`;

describe("replays of a log of large events", () => {
  let s: TestServer;
  let since: bigint;

  beforeAll(async () => {
    s = await startTestServer({ MAX_SUBSCRIPTIONS_PER_CONNECTION: "50", WEBSOCKET_KEEPALIVE_SECONDS: "1" });
    since = await appendEvents(s.app.services.prisma, EVENTS, "large", { dataBytes: DATA_BYTES });
    s.app.services.realtime.feed.catchUp();
    await s.app.services.realtime.feed.settled();
  });
  afterAll(async () => {
    await s?.stop();
  });

  /** How long a normal client's query takes (it must be answered). */
  const normalQuery = () =>
    latency(async () => {
      const res = await fetch(`${s.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
        body: JSON.stringify({ query: "{ games { id } }" }),
      });
      expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    });

  it("replays every event whole and in order, in pages of at most 1 MiB", async () => {
    const c = connectWs(s.url, TEST_ADMIN_TOKEN);
    try {
      await c.connected;
      const sub = subscribe<{ events: { seq: string; data: { pad: string } } }>(c, REPLAY, { s: since.toString() });
      const got = await sub.received(EVENTS);
      expect(got.map((m) => BigInt(m.events.seq))).toEqual(
        Array.from({ length: EVENTS }, (_, i) => since + BigInt(i + 1)),
      );
      expect(got.every((m) => m.events.data.pad.length === DATA_BYTES)).toBe(true);
    } finally {
      await c.dispose();
    }
  });

  it("holds a connection with 40 replays that stops reading to bounded memory, and serves others meanwhile", async () => {
    const connections = () => metricValue(s.url, "multiverse_websocket_connections_active");
    const idle = await connections();
    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) baseline.push(await normalQuery());
    const heap = watchHeap();
    const c = connectWs(s.url, TEST_ADMIN_TOKEN);
    try {
      await c.connected;
      c.socket()!.pause(); // reads nothing from now on
      for (let i = 0; i < 40; i++) subscribe(c, REPLAY, { s: since.toString() });
      const during: number[] = [];
      // Until the server drops the client (as a slow consumer, or by the keep-alive when it
      // answers no ping): the server's gauge says so; the paused client reads nothing, not even
      // the close.
      const deadline = Date.now() + 20_000;
      do {
        if (Date.now() > deadline) throw new Error("the stalled connection was not dropped within 20 s");
        during.push(await normalQuery());
      } while ((await connections()) > idle || during.length < 10);
      expect(median(during), `normal latency during the replays (baseline ${median(baseline)} ms)`).toBeLessThan(
        latencyBound(median(baseline)),
      );
    } finally {
      heap.stop();
      c.socket()?.resume();
      await c.dispose();
    }
    expect(heap.growth(), "heap growth while the replays were stuck").toBeLessThan(MEMORY_BUDGET_BYTES);
  });

  it("reads at most 2 replay pages at once per connection and MAX_CONCURRENT_REPLAYS (4) per node", async () => {
    const log = s.app.services.realtime.log;
    const read = log.replayPage.bind(log);
    let inFlight = 0;
    let most = 0;
    // A backlog of small events, so 18 replays of it are quick: three pages each (500, 500, 100).
    const from = await appendEvents(s.app.services.prisma, 1100, "small");
    // Only this test's replays count (the earlier tests' may still be winding down).
    log.replayPage = async (...args) => {
      if (args[1] < from) return read(...args);
      most = Math.max(most, ++inFlight);
      try {
        return await read(...args);
      } finally {
        inFlight--;
      }
    };
    s.app.services.realtime.feed.catchUp();
    await s.app.services.realtime.feed.settled();
    const replayAll = async (connections: number): Promise<number> => {
      most = 0;
      const clients = Array.from({ length: connections }, () => connectWs(s.url, TEST_ADMIN_TOKEN));
      try {
        await Promise.all(clients.map((c) => c.connected));
        const subs = clients.flatMap((c) =>
          Array.from({ length: 6 }, () => subscribe<{ events: { seq: string } }>(c, REPLAY, { s: from.toString() })),
        );
        await Promise.all(subs.map((sub) => sub.received(1100)));
        return most;
      } finally {
        await Promise.all(clients.map((c) => c.dispose()));
      }
    };
    try {
      // Never more than the limits (without them, the 6 and 18 replays all read at once).
      expect(await replayAll(1)).toBeLessThanOrEqual(2); // one connection: its own limit
      expect(await replayAll(3)).toBeLessThanOrEqual(4); // three connections (6 by their own limits): the node's
    } finally {
      log.replayPage = read;
    }
  });
});

// Live events queue behind a replay that is stalled (the client stopped reading): each
// subscription may hold SUBSCRIPTION_BUFFER_SIZE of them, but the connection as a whole only
// MAX_CONNECTION_QUEUE_BYTES, so a client with many stalled subscriptions is bounded as a whole.
describe("a connection's queue budget", () => {
  let s: TestServer;
  let since: bigint;
  const QUEUE_BYTES = 256 * 1024;

  beforeAll(async () => {
    // Per subscription, 1000 events of 60 KB could wait; the socket's own bound is far away; and
    // the keep-alive is long: what drops the stalled client here can only be the budget.
    s = await startTestServer({
      MAX_CONNECTION_QUEUE_BYTES: String(QUEUE_BYTES),
      SUBSCRIPTION_BUFFER_SIZE: "1000",
      MAX_SOCKET_BUFFER_BYTES: String(256 * 1024 * 1024),
      WEBSOCKET_KEEPALIVE_SECONDS: "300",
    });
    // More than loopback's buffers hold (~4 MB), so replaying it stalls when the client stops reading.
    since = await appendEvents(s.app.services.prisma, 200, "backlog", { dataBytes: DATA_BYTES });
    s.app.services.realtime.feed.catchUp();
    await s.app.services.realtime.feed.settled();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("closes a stalled connection with 4010 once its subscriptions' queued live events pass MAX_CONNECTION_QUEUE_BYTES", async () => {
    const slow = () => metricValue(s.url, "multiverse_slow_consumer_disconnects_total");
    const before = await slow();
    const c = connectWs(s.url, TEST_ADMIN_TOKEN);
    try {
      await c.connected;
      c.socket()!.pause();
      const subs = Array.from({ length: 4 }, () => subscribe(c, REPLAY, { s: since.toString() }));
      expect(subs).toHaveLength(4);
      // Live events while the replays are stuck: 4 subscriptions x 60 KB each pass 256 KiB within
      // a few; without the budget, 100 of them would still fit every subscription's own bound.
      let published = 0;
      while ((await slow()) === before) {
        if (published >= 100) throw new Error(`no slow-consumer close after ${published} live events`);
        const r = await fetch(`${s.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
          body: JSON.stringify({
            query: `mutation($d: JSON!) { publishEvent(input: { type: "live", data: $d }) { seq } }`,
            variables: { d: { pad: "x".repeat(DATA_BYTES) } },
          }),
        });
        expect(((await r.json()) as { errors?: unknown }).errors).toBeUndefined();
        published++;
      }
      expect(published).toBeLessThan(10);
      c.socket()!.resume();
      const closed = await c.closed;
      expect(closed.code).toBe(4010);
      expect(closed.reason).toMatch(/since/);
    } finally {
      c.socket()?.resume();
      await c.dispose();
    }
  });
});
