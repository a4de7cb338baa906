// The event log across real nodes: concurrent publishers on two server processes, a subscriber
// that moves from one node to the other with `since`, and a node whose Redis subscriber is cut
// off while events are published elsewhere. Each subscriber must see every seq once, in order.
import { hostname } from "node:os";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster, type ClusterNode } from "../support/cluster.ts";
import { must } from "../support/fixtures.ts";
import { gql } from "../support/graphql.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { connectWs, subscribe, type TestSubscription, type TestWsClient } from "../support/ws.ts";
import { deferred, waitUntil, within } from "../support/wait.ts";

const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq status } }`;
const EVENTS = `subscription($since: Int64) { events(since: $since) { seq type } }`;

interface EventMsg {
  events: { seq: string; type: string };
}

async function publish(node: ClusterNode, input: Record<string, unknown>): Promise<string | null> {
  const r = await gql<{ publishEvent: { seq: string | null; status: string } }>(
    node.url,
    PUBLISH,
    { i: input },
    TEST_ADMIN_TOKEN,
  );
  return must(r).publishEvent.seq;
}

/** Every delivered seq in the events table, in order, straight from Postgres. */
async function loggedSeqs(dbUrl: string): Promise<{ delivered: bigint[]; pending: number }> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: string }>(
      "SELECT seq::text AS seq FROM events WHERE status = 'DELIVERED' ORDER BY events.seq",
    );
    const pending = await client.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM events WHERE status = 'PENDING'",
    );
    return { delivered: rows.map((r) => BigInt(r.seq)), pending: Number(pending.rows[0]!.n) };
  } finally {
    await client.end();
  }
}

const seqsOf = (values: EventMsg[]): bigint[] => values.map((m) => BigInt(m.events.seq));

/** Where `seqs` is not 1, 2, 3, … (strictly increasing by one from 1), or undefined. */
function firstBreak(seqs: bigint[]): string | undefined {
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== BigInt(i + 1)) return `position ${i}: expected seq ${i + 1}, got ${seqs[i]}`;
  }
  return undefined;
}

describe.skipIf(!canCluster())("events across two nodes", () => {
  let c: Cluster;
  const open: TestWsClient[] = [];
  const ws = (node: ClusterNode) => {
    const client = connectWs(node.url, TEST_ADMIN_TOKEN);
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    // A fast tick: some publishes are NEXT_TICK, so the tick leader assigns seqs too.
    c = await startCluster(2, { TICK_HZ: "20" });
  });
  afterAll(async () => {
    await Promise.all(open.map((x) => x.dispose()));
    await c?.stop();
  });

  it("concurrent publishers on both nodes; a subscriber moving from B to A with since sees every seq once, in order", async () => {
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const ws1 = ws(b);
    await ws1.connected;
    // since 0 on a fresh log: everything, so nothing is lost before the subscription is live.
    const sub1 = subscribe<EventMsg>(ws1, EVENTS, { since: "0" });
    await publish(a, { type: "probe" });
    await within(sub1.received(1), 10_000, () => "the probe published on A to reach B");

    // Two publishers, one per node, 100 publishes each in parallel batches of 10; every tenth
    // is NEXT_TICK. The second half waits until the subscriber has left node B.
    const moving = deferred();
    const published: string[] = [];
    const publisher = async (node: ClusterNode, tag: string) => {
      for (let batch = 0; batch < 10; batch++) {
        if (batch === 5) await moving.promise;
        const seqs = await Promise.all(
          Array.from({ length: 10 }, (_, k) =>
            publish(node, {
              type: "load",
              data: { node: tag, i: batch * 10 + k },
              delivery: k === 9 ? "NEXT_TICK" : "IMMEDIATE",
            }),
          ),
        );
        for (const s of seqs) if (s !== null) published.push(s);
      }
    };
    const publishers = Promise.all([publisher(a, "a"), publisher(b, "b")]);

    // Midway: leave node B (the client goes away), ...
    await within(sub1.received(40), 15_000, () => `40 events on B (got ${sub1.values.length})`);
    sub1.stop();
    await ws1.dispose();
    const first = [...sub1.values];
    const last = first.at(-1)!.events.seq;
    // ... events are committed while no subscriber is connected anywhere (replay must bring them), ...
    await Promise.all([a, b, a, b, a, b].map((node, i) => publish(node, { type: "while-away", data: { i } })));
    // ... and the subscriber resumes on node A with since = the last seq it got, while the
    // publishers go on concurrently.
    moving.resolve();
    const ws2 = ws(a);
    await ws2.connected;
    const sub2 = subscribe<EventMsg>(ws2, EVENTS, { since: last });
    await publishers;

    // 1 probe + 200 load + 6 while-away, every one delivered (NEXT_TICK ones on the next tick).
    const total = 1 + 200 + 6;
    await within(
      sub2.received(total - first.length),
      20_000,
      () => `${total} events in all (got ${first.length} on B + ${sub2.values.length} on A)`,
    );
    // A fence: anything duplicated or out of place would have to arrive before it.
    const fence = await publish(b, { type: "fence" });
    await within(sub2.received(total - first.length + 1), 10_000, () => "the fence");

    const received = [...seqsOf(first), ...seqsOf(sub2.values)];
    const log = await loggedSeqs(c.db.url!);
    expect(log.pending).toBe(0);
    expect(log.delivered.length).toBe(total + 1);
    // Strictly increasing by one from 1: nothing missing, nothing duplicated, nothing reordered.
    expect(firstBreak(received)).toBeUndefined();
    expect(received).toEqual(log.delivered);
    expect(received.at(-1)).toBe(BigInt(fence!));
    // Every seq an IMMEDIATE publish answered is among them.
    const got = new Set(received.map(String));
    expect(published.filter((s) => !got.has(s))).toEqual([]);
    expect(published.length).toBe(180);
    // The move really happened midway: both parts hold events, and the second replayed some.
    expect(first.length).toBeGreaterThanOrEqual(40);
    expect(sub2.values.length).toBeGreaterThan(6);
    expect(sub2.values.filter((m) => m.events.type === "while-away")).toHaveLength(6);
  });
});

describe.skipIf(!canCluster())("a node whose Redis subscriber was cut off", () => {
  let c: Cluster;
  let redis: Redis;
  const open: TestWsClient[] = [];

  beforeAll(async () => {
    // No tick: the only way back for lost events is the node noticing its own reconnect.
    c = await startCluster(2, { TICK_HZ: "0" });
    redis = new Redis(c.env["REDIS_URL"]!, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await Promise.all(open.map((x) => x.dispose()));
    redis?.disconnect();
    await c?.stop();
  });

  /** How many connections (of this cluster: its own key prefix) are subscribed to the events channel. */
  const eventSubscribers = async (): Promise<number> => {
    const [, n] = (await redis.call("PUBSUB", "NUMSUB", `${c.env["REDIS_KEY_PREFIX"]}events`)) as [string, number];
    return Number(n);
  };

  /** Kills `node`'s subscriber connection, found by its name (it holds the process id); returns how many. */
  const cutOff = async (node: ClusterNode): Promise<number> => {
    const name = `multiverse-${hostname()}-${node.proc.child.pid}-sub`;
    const list = (await redis.call("CLIENT", "LIST", "TYPE", "pubsub")) as string;
    const ids = list
      .split("\n")
      .map((line) => Object.fromEntries(line.split(" ").map((kv) => kv.split("=", 2) as [string, string])))
      .filter((f) => f["name"] === name)
      .map((f) => f["id"]!);
    let killed = 0;
    for (const id of ids) killed += Number(await redis.call("CLIENT", "KILL", "ID", id));
    return killed;
  };

  it("events published while its subscriber connection is down still reach its subscribers, in order", async () => {
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const client = connectWs(b.url, TEST_ADMIN_TOKEN);
    open.push(client);
    await client.connected;
    const sub: TestSubscription<EventMsg> = subscribe<EventMsg>(client, EVENTS, { since: "0" });
    await publish(a, { type: "probe" });
    await within(sub.received(1), 10_000, () => "the probe published on A to reach B");
    expect(await eventSubscribers()).toBe(2);

    // Cut B's subscriber off and publish on A; an event counts as lost on the bus when, after
    // its publish returned (so after Redis sent it out), B was still not subscribed. B's
    // client reconnects by itself within ~100 ms, so cut it again whenever it is back.
    const lost: string[] = [];
    let cuts = 0;
    for (let attempt = 0; lost.length < 10 && attempt < 200; attempt++) {
      if ((await eventSubscribers()) === 2) cuts += await cutOff(b);
      const seq = await publish(a, { type: "while-cut", data: { attempt } });
      if ((await eventSubscribers()) === 1) lost.push(seq!);
    }
    expect(cuts).toBeGreaterThan(0);
    expect(lost.length).toBe(10);

    // No more events and no tick: B must fetch what it missed once its subscription is back.
    await waitUntil("B's subscriber to be back", async () => (await eventSubscribers()) === 2);
    const seqLast = BigInt(lost.at(-1)!);
    await within(
      waitForSeq(sub, seqLast),
      10_000,
      () => `seq ${seqLast} on B (got up to ${sub.values.at(-1)?.events.seq})`,
    );

    // And it goes on live afterwards, with publishes on both nodes.
    for (const node of [a, b, a, b]) await publish(node, { type: "after" });
    const fence = await publish(a, { type: "fence" });
    await within(waitForSeq(sub, BigInt(fence!)), 10_000, () => `the fence (seq ${fence}) on B`);

    const received = seqsOf(sub.values);
    const log = await loggedSeqs(c.db.url!);
    expect(firstBreak(received)).toBeUndefined();
    expect(received).toEqual(log.delivered);
    for (const s of lost) expect(received).toContain(BigInt(s));
  });
});

/** Resolves once `sub` has received an event with seq >= `seq`. */
async function waitForSeq(sub: TestSubscription<EventMsg>, seq: bigint): Promise<void> {
  for (let n = 1; ; n++) {
    const got = await sub.received(n);
    if (BigInt(got.at(-1)!.events.seq) >= seq) return;
  }
}
