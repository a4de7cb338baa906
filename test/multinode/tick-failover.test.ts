// The control tick across real nodes: exactly one node drives it, and when that process is
// killed (SIGKILL: no goodbye, its lease just stops being renewed) the other takes over within
// two lease periods, with tick numbers that keep increasing.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster, type ClusterNode } from "../support/cluster.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { metricValue } from "../support/metrics.ts";
import { Arrivals, findLeader, leadingNodeId, tapBusTicks } from "../support/ticks.ts";
import { connectWs, type TestWsClient } from "../support/ws.ts";
import { within } from "../support/wait.ts";

const LEASE_MS = 500;

/** The value of counter `name` on a node's /metrics. */
const metric = (node: ClusterNode, name: string): Promise<number> => metricValue(node.url, name);

const increasing = (numbers: bigint[]): boolean => numbers.every((n, i) => i === 0 || n > numbers[i - 1]!);

describe.skipIf(!canCluster())("tick failover between two nodes", () => {
  let c: Cluster;
  let tap: Redis;
  let ws: TestWsClient | undefined;

  beforeAll(async () => {
    c = await startCluster(2, { TICK_HZ: "20", TICK_LEASE_MS: String(LEASE_MS) });
    tap = new Redis(c.env["REDIS_URL"]!, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await ws?.dispose();
    tap?.disconnect();
    await c?.stop();
  });

  it("one node leads; after SIGKILL the other takes over within two lease periods, numbers increasing", async () => {
    // Every tick message on the bus (it names the node that drove it), as it arrives.
    const bus = await tapBusTicks(tap, c.env["REDIS_KEY_PREFIX"]!);
    // Which node leads: the one that logged taking the lease.
    const { leader, leaderId, other: survivor } = await findLeader(c.nodes as [ClusterNode, ClusterNode]);

    // A subscriber on the survivor, through GraphQL, stamping each tick's arrival.
    const ticks = new Arrivals<bigint>();
    ws = connectWs(survivor.url, TEST_ADMIN_TOKEN);
    await ws.connected;
    const subscriptionFailed = new Promise<never>((_, reject) => {
      ws!.client.subscribe<{ ticks: { number: string } }>(
        { query: `subscription { ticks { number } }` },
        {
          next: (m) => ticks.add(BigInt(m.data!.ticks.number)),
          error: (err) => reject(new Error(`the ticks subscription failed: ${JSON.stringify(err)}`)),
          complete: () => reject(new Error("the ticks subscription completed")),
        },
      );
    });
    await within(Promise.race([ticks.first(() => true), subscriptionFailed]), 5_000, () => "a first tick");

    // Exactly one leads before the kill: its counter moves, the other's stays 0, and every
    // tick on the bus came from it.
    const before = await metric(leader, "multiverse_ticks_total");
    const seen = ticks.list.length;
    await within(
      ticks.first(() => ticks.list.length >= seen + 5),
      5_000,
      () => "five more ticks",
    );
    expect(await metric(leader, "multiverse_ticks_total")).toBeGreaterThan(before);
    expect(before).toBeGreaterThan(0);
    expect(await metric(survivor, "multiverse_ticks_total")).toBe(0);
    expect(survivor.proc.output()).not.toMatch(/tick: now leading/);
    expect(new Set(bus.list.map((a) => a.value.leader))).toEqual(new Set([leaderId]));

    // Kill the leader outright.
    const killedAt = Date.now();
    leader.proc.child.kill("SIGKILL");
    expect(await leader.proc.exited).toBe("SIGKILL");

    // The survivor takes the lease (it logs so), and its ticks reach the bus and the subscriber.
    const survivorId = await leadingNodeId(survivor.proc, 10_000);
    expect(survivorId).not.toBe(leaderId);
    const takeover = await within(
      bus.first((a) => a.value.leader === survivorId),
      5_000,
      () => "a tick from the survivor on the bus",
    );
    // Every tick the old leader sent reached the bus before the survivor's first one.
    const oldMax = bus.list
      .filter((a) => a.value.leader === leaderId)
      .reduce((m, a) => (a.value.number > m ? a.value.number : m), 0n);
    const firstNew = await within(
      Promise.race([ticks.first((a) => a.value > oldMax), subscriptionFailed]),
      5_000,
      () => `a tick after ${oldMax} on the survivor's subscriber`,
    );
    const elapsed = firstNew.at - killedAt;
    // Two lease periods, plus a second for scheduling on a busy machine.
    expect(elapsed).toBeLessThan(2 * LEASE_MS + 1_000);
    expect(takeover.at - killedAt).toBeLessThan(2 * LEASE_MS + 1_000);
    // The new leader's numbers continue the old one's: never repeated, never back.
    expect(takeover.value.number).toBeGreaterThan(oldMax);

    // It keeps ticking.
    const count = ticks.list.length;
    await within(
      ticks.first(() => ticks.list.length >= count + 5),
      5_000,
      () => "five more ticks after the takeover",
    );
    expect(await metric(survivor, "multiverse_ticks_total")).toBeGreaterThan(0);

    // Across the takeover: strictly increasing on the subscriber, and on the bus itself.
    expect(increasing(ticks.list.map((a) => a.value))).toBe(true);
    expect(increasing(bus.list.map((a) => a.value.number))).toBe(true);
    // After the takeover only the survivor ticks.
    expect(new Set(bus.list.filter((a) => a.at > takeover.at).map((a) => a.value.leader))).toEqual(
      new Set([survivorId]),
    );
  });
});
