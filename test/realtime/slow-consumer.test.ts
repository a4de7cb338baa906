// Slow consumers on one node: a client that stops reading while events pour in is closed with
// 4010, the server lets go of it (nothing piles up for it), and resuming with `since` = the
// last seq it got brings exactly the rest.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { must } from "../support/fixtures.ts";
import { metricValue } from "../support/metrics.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { connectWs, subscribe, type TestWsClient } from "../support/ws.ts";
import { waitUntil, within } from "../support/wait.ts";

const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`;
// `data` is selected: it is what makes the messages big.
const EVENTS = `subscription($since: Int64) { events(since: $since) { seq type data } }`;

/** Data per flood event, and the most a flood sends: about 3x what loopback TCP buffers held here (~4 MB). */
const EVENT_BYTES = 32_000;
const FLOOD_CAP_BYTES = 12 * 1024 * 1024;

interface EventMsg {
  events: { seq: string; type: string; data: unknown };
}

describe("slow consumers", () => {
  let s: TestServer;
  const open: TestWsClient[] = [];
  const ws = () => {
    const c = connectWs(s.url, TEST_ADMIN_TOKEN);
    open.push(c);
    return c;
  };
  const publish = async (input: Record<string, unknown>) =>
    must(await s.gql<{ publishEvent: { seq: string } }>(PUBLISH, { i: input }, TEST_ADMIN_TOKEN)).publishEvent.seq;
  const metric = (name: string): Promise<number> => metricValue(s.url, name);
  const gauges = async () => ({
    slow: await metric("multiverse_slow_consumer_disconnects_total"),
    subscriptions: await metric("multiverse_subscriptions_active"),
    connections: await metric("multiverse_websocket_connections_active"),
  });

  /**
   * Publishes ~32 KB events in parallel batches until `enough` says so or FLOOD_CAP_BYTES went
   * out; returns their seqs, in order.
   */
  const flood = async (tag: string, enough: () => Promise<boolean>): Promise<string[]> => {
    const seqs: string[] = [];
    while (seqs.length * EVENT_BYTES < FLOOD_CAP_BYTES) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, k) => {
          const i = seqs.length + k;
          return publish({ type: "flood", data: { tag, i, blob: "x".repeat(EVENT_BYTES) } });
        }),
      );
      seqs.push(...batch);
      if (await enough()) break;
    }
    // In seq order (a batch's publishes commit in any order).
    return seqs.sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
  };

  /** A connection subscribed to every event after `since`, live (a probe arrived); with the probe's seq. */
  const liveSubscriber = async (since: string) => {
    const client = ws();
    await client.connected;
    const sub = subscribe<EventMsg>(client, EVENTS, { since });
    const probe = await publish({ type: "probe" });
    const [first] = await within(sub.received(1), 5_000, () => "the probe");
    expect(first!.events.seq).toBe(probe);
    return { client, sub, probe };
  };

  // A server per test: every test starts with no connection and no subscription.
  beforeEach(async () => {
    s = await startTestServer({ MAX_SOCKET_BUFFER_BYTES: "65536", SUBSCRIPTION_BUFFER_SIZE: "10" });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.dispose()));
    await s?.stop();
  });

  /** The server noticed a slow consumer: it counted one more than `before`. */
  const noticed = (before: { slow: number }) => async () =>
    (await metric("multiverse_slow_consumer_disconnects_total")) > before.slow;

  it("closes a client that stops reading with 4010, counts it; since = its last seq brings exactly the rest", async () => {
    const before = await gauges();
    const { client, sub, probe } = await liveSubscriber("0");

    // Stop reading (TCP fills up, then the server's sends stall) and flood.
    client.socket()!.pause();
    // One more once the server gave up on it: never sent to it, so it cannot have got everything
    // (the event whose send crossed the limit may have been a batch's last, and the close comes
    // after what was buffered).
    const flooded = [...(await flood("a", noticed(before))), await publish({ type: "after-close" })];

    // Reading again, the client gets what was already on its way, then the close.
    client.socket()!.resume();
    const closed = await within(client.closed, 15_000, () => `a close (got ${sub.values.length} events)`);
    expect(closed.code).toBe(4010);
    expect(closed.reason).toMatch(/since/);
    const got = sub.values.map((m) => m.events.seq);
    // It fell behind: it did not get everything before the close; what it got is in order.
    expect(got.length).toBeLessThan(1 + flooded.length);
    expect(got).toEqual([probe, ...flooded].slice(0, got.length));
    // The server let go of it.
    await waitUntil("the server to drop the connection and its subscription", async () => {
      const now = await gauges();
      return now.connections === before.connections && now.subscriptions === before.subscriptions;
    });

    // Resuming with since = the last seq it got brings the rest: no gap, no duplicate.
    const again = ws();
    await again.connected;
    const rest = subscribe<EventMsg>(again, EVENTS, { since: got.at(-1)! });
    const missing = 1 + flooded.length - got.length;
    await within(rest.received(missing), 15_000, () => `${missing} events (got ${rest.values.length})`);
    const fence = await publish({ type: "fence" });
    await within(rest.received(missing + 1), 5_000, () => "the fence");
    expect([...got, ...rest.values.map((m) => m.events.seq)]).toEqual([probe, ...flooded, fence]);
    await again.dispose();

    // And the close was counted as a slow consumer, not logged as an error.
    expect(await metric("multiverse_slow_consumer_disconnects_total")).toBe(before.slow + 1);
    expect(s.logs.filter((l) => (l["level"] as number) >= 50).map((l) => l["msg"])).toEqual([]);
  });

  it("notices a stalled client on its own: counted in /metrics while it still does not read", async () => {
    const before = await gauges();
    const { client } = await liveSubscriber("0");

    client.socket()!.pause();
    try {
      await flood("b", noticed(before));
      // Still not reading: the server must have given up on it by itself, not when it reads again.
      await waitUntil("the stalled consumer to be counted", noticed(before), 3_000);
    } finally {
      client.socket()!.resume();
    }
    const closed = await within(client.closed, 15_000, () => "a close");
    expect(closed.code).toBe(4010);
    await waitUntil(
      "the server to drop the connection",
      async () => (await gauges()).connections === before.connections,
    );
  });

  it("lets go of a client that went away at once, even when no event follows (nothing left behind)", async () => {
    const before = await gauges();
    const { client } = await liveSubscriber("0");
    const during = await gauges();
    expect(during.connections).toBe(before.connections + 1);
    expect(during.subscriptions).toBe(before.subscriptions + 1);
    await client.dispose();
    // No event is published any more: the server must notice the close by itself.
    await waitUntil(
      "the server to drop the connection and its subscription",
      async () => {
        const now = await gauges();
        return now.connections === before.connections && now.subscriptions === before.subscriptions;
      },
      3_000,
    );
  });
});
