// The tick leader on a slow bus: the lease loop must never wait for a tick's publishes, or a bus
// that stalls for longer than the lease lets the lease lapse while the leader is still busy
// (another node then leads too). Here the bus holds every event publish at a gate; the leader
// must keep renewing its lease meanwhile, hold further ticks back until the publishes are out,
// and then publish the events and the tick, in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bus } from "../../server/src/platform/bus/bus.ts";
import { ChannelBus } from "../../server/src/platform/bus/channel-bus.ts";
import { channels } from "../../server/src/platform/realtime/channels.ts";
import { EventLog } from "../../server/src/platform/realtime/event-log.ts";
import { TickLeader } from "../../server/src/platform/realtime/tick-leader.ts";
import { Metrics } from "../../server/src/platform/observability/metrics.ts";
import { must } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { deferred, waitUntil } from "../support/wait.ts";

const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { id status } }`;
const LEASE_MS = 300;

describe("the tick leader on a bus that stalls", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(); // TICK_HZ=0: only the leader under test ticks
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("keeps renewing its lease while a tick's publishes wait, and runs no tick meanwhile", async () => {
    const { prisma, bus, logger } = s.app.services;
    for (let i = 0; i < 3; i++) {
      must(await s.gql(PUBLISH, { i: { type: "slow", delivery: "NEXT_TICK", data: { i } } }, TEST_ADMIN_TOKEN));
    }
    // The bus: event publishes wait at a gate; leases and everything else go through, counted.
    const gate = deferred();
    const held = deferred();
    const published: string[] = [];
    let leases = 0;
    const slow: Bus = Object.assign(Object.create(bus) as Bus, {
      publish: async (channel: string, message: string) => {
        if (channel === channels.events.name) {
          held.resolve();
          await gate.promise;
        }
        if (channel === channels.events.name) {
          published.push(...channels.events.decode(message).map((e) => `event ${e.seq}`));
        } else published.push(channel);
        return bus.publish(channel, message);
      },
      lease: (...args: Parameters<Bus["lease"]>) => {
        leases++;
        return bus.lease(...args);
      },
    });
    const typed = new ChannelBus(slow, () => undefined);
    const leader = new TickLeader({
      prisma,
      bus: slow,
      channels: typed,
      log: new EventLog(prisma, typed, logger),
      logger,
      metrics: new Metrics(),
      nodeId: "slow-bus-leader",
      hz: 20,
      leaseMs: LEASE_MS,
    });
    const tickBefore = (await prisma.universeState.findUniqueOrThrow({ where: { id: 1 } })).currentTick;
    leader.start();
    try {
      await held.promise; // the first tick committed and its publishes are stalled
      const leasesThen = leases;
      // Longer than the lease: the loop must renew it all along.
      await waitUntil("the lease to be renewed while the publishes wait", () => leases >= leasesThen + 8);
      expect(leader.leading).toBe(true);
      const state = await prisma.universeState.findUniqueOrThrow({ where: { id: 1 } });
      expect(state.currentTick).toBe(tickBefore + 1n); // no tick ran behind the stalled one
      gate.resolve();
      await waitUntil("the events and the tick to go out", () => published.includes(channels.ticks.name));
      const delivered = await prisma.event.findMany({ where: { type: "slow" }, orderBy: { seq: "asc" } });
      expect(published.slice(0, 4)).toEqual([...delivered.map((e) => `event ${e.seq}`), channels.ticks.name]);
    } finally {
      gate.resolve();
      await leader.stop();
    }
  });
});
