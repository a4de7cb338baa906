// A clean stop hands the control tick over at once: the leader, stopped with SIGTERM, releases
// its lease in Redis, so the other node takes it at its next attempt, long before the lease
// would have run out (a killed leader is tick-failover.test.ts).
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster, type ClusterNode } from "../support/cluster.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { Arrivals, findLeader, leadingNodeId, tapBusTicks } from "../support/ticks.ts";
import { connectWs, type TestWsClient } from "../support/ws.ts";
import { within } from "../support/wait.ts";

/** Long, so that waiting for it to lapse and a handover at once are far apart. */
const LEASE_MS = 10_000;

describe.skipIf(!canCluster())("tick handover on a clean stop", () => {
  let c: Cluster;
  let tap: Redis;
  let redis: Redis;
  let ws: TestWsClient | undefined;

  beforeAll(async () => {
    c = await startCluster(2, { TICK_HZ: "20", TICK_LEASE_MS: String(LEASE_MS) });
    tap = new Redis(c.env["REDIS_URL"]!, { maxRetriesPerRequest: 1 });
    redis = new Redis(c.env["REDIS_URL"]!, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await ws?.dispose();
    tap?.disconnect();
    redis?.disconnect();
    await c?.stop();
  });

  it("a leader stopped with SIGTERM releases the lease, and the other node ticks within a fraction of it", async () => {
    const bus = await tapBusTicks(tap, c.env["REDIS_KEY_PREFIX"]!);
    const leaseKey = `${c.env["REDIS_KEY_PREFIX"]}lease:tick`;
    const { leader, leaderId, other } = await findLeader(c.nodes as [ClusterNode, ClusterNode]);

    // A subscriber on the other node, through GraphQL.
    const ticks = new Arrivals<bigint>();
    ws = connectWs(other.url, TEST_ADMIN_TOKEN);
    await ws.connected;
    ws.client.subscribe<{ ticks: { number: string } }>(
      { query: `subscription { ticks { number } }` },
      { next: (m) => ticks.add(BigInt(m.data!.ticks.number)), error: () => undefined, complete: () => undefined },
    );
    await within(
      ticks.first(() => ticks.list.length >= 3),
      5_000,
      () => "three ticks from the leader",
    );
    expect(await redis.get(leaseKey)).toBe(leaderId);

    leader.proc.child.kill("SIGTERM");
    expect(await within(leader.proc.exited, 10_000, () => "the leader to exit")).toBe(0);
    // Its lease went with it: free, or already the other node's.
    expect(await redis.get(leaseKey)).not.toBe(leaderId);

    const lastOld = bus.list.filter((a) => a.value.leader === leaderId).at(-1)!;
    const otherId = await leadingNodeId(other.proc, LEASE_MS + 5_000);
    const firstNew = await within(
      bus.first((a) => a.value.leader === otherId),
      LEASE_MS + 5_000,
      () => "a tick from the other node on the bus",
    );
    const resumed = await within(
      ticks.first((a) => a.value > lastOld.value.number),
      5_000,
      () => `a tick after ${lastOld.value.number} on the other node's subscriber`,
    );
    // Ticks resumed long before the lease the leader last renewed would have run out.
    expect(firstNew.at - lastOld.at).toBeLessThan(LEASE_MS / 3);
    expect(resumed.at - lastOld.at).toBeLessThan(LEASE_MS / 3);
    expect(firstNew.value.number).toBeGreaterThan(lastOld.value.number);
  });
});
