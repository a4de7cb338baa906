// The same contract for both buses: what the realtime core may rely on.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { Bus } from "../../server/src/platform/bus/bus.ts";
import { MemoryBus } from "../../server/src/platform/bus/memory-bus.ts";
import { RedisBus } from "../../server/src/platform/bus/redis-bus.ts";
import { deferred, waitUntil } from "../support/wait.ts";

const redisUrl = inject("redisUrl");
const unique = () => randomBytes(4).toString("hex");

/** Collects messages of a channel, with a way to wait for the n-th. */
function collector() {
  const got: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    got,
    handler: (m: string) => {
      got.push(m);
      for (const w of waiters.filter((w) => got.length >= w.n)) w.resolve();
    },
    waitFor: (n: number) =>
      got.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
  };
}

interface Nodes {
  a: Bus;
  b: Bus;
}

/** Hears of handlers that threw. */
type Reporter = (err: unknown, channel: string) => void;

const kinds: [string, (onHandlerError?: Reporter) => Nodes][] = [
  [
    "memory",
    (onHandlerError) => {
      const bus = new MemoryBus({ onHandlerError });
      return { a: bus, b: bus };
    },
  ],
];
if (redisUrl) {
  kinds.push([
    "redis",
    (onHandlerError) => {
      const prefix = `test:${unique()}:`;
      return { a: new RedisBus(redisUrl, { prefix }), b: new RedisBus(redisUrl, { prefix, onHandlerError }) };
    },
  ]);
} else {
  it.skip("Redis bus contract (no Redis answers)", () => undefined);
}

describe.each(kinds)("%s bus", (_kind, make) => {
  const opened: Bus[] = [];
  const nodes = (onHandlerError?: Reporter): Nodes => {
    const n = make(onHandlerError);
    opened.push(n.a, n.b);
    return n;
  };
  afterAll(async () => {
    await Promise.all(opened.map((b) => b.close()));
  });

  it("delivers every message in publish order to each subscriber, on every node", async () => {
    const { a, b } = nodes();
    const onA = collector();
    const onB = collector();
    await a.subscribe("ch", onA.handler);
    await b.subscribe("ch", onB.handler);
    const sent = Array.from({ length: 100 }, (_, i) => `m${i}`);
    for (const m of sent) await a.publish("ch", m);
    await Promise.all([onA.waitFor(100), onB.waitFor(100)]);
    expect(onA.got).toEqual(sent);
    expect(onB.got).toEqual(sent);
  });

  it("stops delivering after unsubscribe, and keeps other subscribers of the channel", async () => {
    const { a, b } = nodes();
    const gone = collector();
    const kept = collector();
    const stop = await b.subscribe("ch2", gone.handler);
    await b.subscribe("ch2", kept.handler);
    await a.publish("ch2", "1");
    await Promise.all([gone.waitFor(1), kept.waitFor(1)]);
    await stop();
    await a.publish("ch2", "2");
    await kept.waitFor(2);
    expect(gone.got).toEqual(["1"]);
    expect(kept.got).toEqual(["1", "2"]);
  });

  it("runs every handler of a channel when one throws, and reports the throw rather than letting it escape", async () => {
    const reported: { message: string; channel: string }[] = [];
    const { a, b } = nodes((err, channel) => reported.push({ message: (err as Error).message, channel }));
    const before = collector();
    const after = collector();
    await b.subscribe("faulty", before.handler);
    await b.subscribe("faulty", () => {
      throw new Error("handler bug");
    });
    await b.subscribe("faulty", after.handler);
    await a.publish("faulty", "1");
    await a.publish("faulty", "2");
    await Promise.all([before.waitFor(2), after.waitFor(2)]);
    expect(before.got).toEqual(["1", "2"]);
    expect(after.got).toEqual(["1", "2"]);
    expect(reported).toEqual([
      { message: "handler bug", channel: "faulty" },
      { message: "handler bug", channel: "faulty" },
    ]);
  });

  it("gives a lease to one holder at a time, renews it, and hands it over when it runs out", async () => {
    const { a, b } = nodes();
    const name = `lease-${unique()}`;
    expect(await a.lease(name, "node-a", 300)).toBe(true);
    expect(await b.lease(name, "node-b", 300)).toBe(false);
    expect(await a.lease(name, "node-a", 300)).toBe(true); // renewal
    await waitUntil("the lease to run out and pass to node-b", () => b.lease(name, "node-b", 10_000));
    expect(await a.lease(name, "node-a", 300)).toBe(false);
    await a.releaseLease(name, "node-a"); // not the holder: no effect
    expect(await a.lease(name, "node-a", 300)).toBe(false);
    await b.releaseLease(name, "node-b");
    expect(await a.lease(name, "node-a", 300)).toBe(true);
  });

  it("keeps timed set members until they expire, and sweeps each expired member once", async () => {
    const { a, b } = nodes();
    const set = `presence:${unique()}`;
    const now = Date.now();
    await a.touch(set, ["p1", "p2"], now + 60_000);
    await a.touch(set, ["p3"], now - 1);
    expect((await b.alive(set, now)).sort()).toEqual(["p1", "p2"]);
    expect(await b.timedSets("presence:")).toContain(set);
    const [s1, s2] = await Promise.all([a.sweep(set, now), b.sweep(set, now)]);
    expect([...s1, ...s2]).toEqual(["p3"]);
    await b.untouch(set, ["p1"]);
    expect(await a.alive(set, now)).toEqual(["p2"]);
    await a.untouch(set, ["p2"]);
    expect(await a.sweep(set, now + 120_000)).toEqual([]);
    expect(await a.timedSets("presence:")).not.toContain(set);
  });

  /**
   * A timed set of 1500 live members of others: enough that Redis keeps it as a skiplist and
   * scans it with a cursor.
   */
  async function crowdedSet(bus: Bus): Promise<{ set: string; now: number }> {
    const set = `presence:${unique()}`;
    const now = Date.now();
    await bus.touch(
      set,
      Array.from({ length: 1500 }, (_, i) => `other-${i}|node`),
      now + 60_000,
    );
    return { set, now };
  }

  it("finds one member's live entries by prefix without the others, whatever the set's size", async () => {
    const { a, b } = nodes();
    const { set, now } = await crowdedSet(a);
    await a.touch(set, ["p*1|node-a", "p*1|heartbeat"], now + 60_000);
    await a.touch(set, ["p*1|node-gone"], now - 1);
    await a.touch(set, ["p*10|node-a"], now + 60_000);
    // The prefix is taken literally (no glob), and only live entries count.
    expect((await b.aliveWithPrefix(set, "p*1|", now)).sort()).toEqual(["p*1|heartbeat", "p*1|node-a"]);
    expect(await b.aliveWithPrefix(set, "p?1|", now)).toEqual([]);
    expect(await b.aliveWithPrefix(set, "nobody|", now)).toEqual([]);
  });

  it("finds several members' live entries by prefix in one call, and only theirs", async () => {
    const { a, b } = nodes();
    const { set, now } = await crowdedSet(a);
    await a.touch(set, ["p1|node-a", "p1|heartbeat", "p22|node-b", "p3x|node-a"], now + 60_000);
    await a.touch(set, ["p3|node-gone"], now - 1);
    // Prefixes of several lengths; an expired entry, a longer id sharing a prefix's start, and
    // a prefix nobody has find nothing.
    expect((await b.aliveWithPrefixes(set, ["p1|", "p22|", "p3|", "nobody|"], now)).sort()).toEqual([
      "p1|heartbeat",
      "p1|node-a",
      "p22|node-b",
    ]);
    expect(await b.aliveWithPrefixes(set, [], now)).toEqual([]);
    expect(await b.aliveWithPrefixes(`presence:${unique()}`, ["p1|"], now)).toEqual([]);
  });

  it("gathers a short-lived set's members from every node, then forgets the whole set", async () => {
    const { a, b } = nodes();
    const set = `done:${unique()}`;
    expect(await a.marked(set)).toEqual([]);
    await a.mark(set, ["g1"], 300);
    await b.mark(set, ["g2", "g1"], 300);
    await b.mark(set, [], 300);
    expect((await a.marked(set)).sort()).toEqual(["g1", "g2"]);
    expect(await b.marked(`done:${unique()}`)).toEqual([]);
    await waitUntil("the set to go away", async () => (await b.marked(set)).length === 0);
  });

  it("counts hits in a window and starts over after it", async () => {
    const { a, b } = nodes();
    const key = `rate-${unique()}`;
    expect(await a.hit(key, 300)).toBe(1);
    expect(await b.hit(key, 300)).toBe(2);
    await waitUntil("the window to restart", async () => (await a.hit(key, 300)) === 1);
  });
});

describe.skipIf(!redisUrl)("redis bus subscriptions", () => {
  it("answers a second subscriber to a channel only once Redis confirmed the channel", async () => {
    const prefix = `test:${unique()}:`;
    const publisher = new RedisBus(redisUrl, { prefix });
    await publisher.ping();
    // A fresh bus: its subscriber connection is still connecting, so the channel's SUBSCRIBE
    // waits for it, while the publisher is connected already.
    const bus = new RedisBus(redisUrl, { prefix });
    try {
      const first = collector();
      const second = collector();
      const firstSubscribed = bus.subscribe("fresh", first.handler);
      await bus.subscribe("fresh", second.handler);
      // The second subscriber was told it listens: what is published now must reach it.
      await publisher.publish("fresh", "right after");
      await firstSubscribed;
      await publisher.publish("fresh", "later");
      await waitUntil("the second subscriber to hear the later message", () => second.got.includes("later"));
      expect(second.got).toEqual(["right after", "later"]);
    } finally {
      await Promise.all([bus.close(), publisher.close()]);
    }
  });
});

describe.skipIf(!redisUrl)("redis bus after a lost connection", () => {
  it("resubscribes by itself and says that messages may have been lost", async () => {
    const prefix = `test:${unique()}:`;
    const name = `bus-test-${unique()}`;
    const bus = new RedisBus(redisUrl, { prefix, name });
    const publisher = new RedisBus(redisUrl, { prefix });
    const admin = new Redis(redisUrl);
    try {
      const got = collector();
      await bus.subscribe("ch", got.handler);
      const resubscribed = deferred();
      bus.onResubscribed(() => resubscribed.resolve());
      // Kill only this bus's subscriber connection (the Redis is shared with other tests).
      const list = (await admin.client("LIST")) as string;
      const id = new RegExp(`^id=(\\d+) .*name=${name}-sub `, "m").exec(list)?.[1];
      expect(id).toBeDefined();
      expect(await admin.client("KILL", "ID", id!)).toBe(1);
      await resubscribed.promise;
      await publisher.publish("ch", "after");
      await got.waitFor(1);
      expect(got.got).toEqual(["after"]);
    } finally {
      await Promise.all([bus.close(), publisher.close()]);
      admin.disconnect();
    }
  });
});
