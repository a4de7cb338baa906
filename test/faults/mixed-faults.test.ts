// The fault suite (issue 12, item 6): two real nodes over one Postgres (through a proxy the test
// cuts) and a private Redis (which the test kills), with the mixed load running through the SDK:
// publishers retrying with their idempotency keys, subscribers resuming `events` with `since`,
// players connecting, disconnecting and moving. Redis is restarted, then Postgres, each for a
// few seconds and with every client connection dropped as it goes; at the end every
// acknowledged event is stored exactly once and received exactly once by every subscriber,
// nobody is online who is not connected (nor the other way round), and /readyz reported each
// outage on every node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MixedLoad } from "../../soak/mixed-load.ts";
import { startRig, type Rig } from "../../soak/rig.ts";
import { faultRound } from "../../soak/run.ts";
import { canCluster } from "../support/cluster.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { waitUntil } from "../support/wait.ts";

describe.skipIf(!canCluster())("faults under mixed load", () => {
  let db: TestDatabase;
  let rig: Rig;
  let load: MixedLoad | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    rig = await startRig({ databaseUrl: db.url!, env: { MIGRATE_ON_START: "false" } });
  });
  afterAll(async () => {
    await load?.close();
    await rig?.stop();
    await db?.drop();
  });

  it("Redis restarted, then Postgres: every acknowledged event stored once and received once by each resuming subscriber; presence right; /readyz told", async () => {
    load = new MixedLoad({
      urls: rig.nodes.map((n) => n.url),
      adminToken: rig.adminToken,
      databaseUrl: rig.databaseUrl,
    });
    await load.start();
    await waitUntil(
      "the load to warm up",
      () => load!.acknowledged >= 40 && load!.received.every((n) => n >= 20),
      20_000,
    );

    const outages = await faultRound(rig, 3_000);
    // The load goes on after the faults, so the end checks see events from both sides of them.
    const after = load.acknowledged;
    await waitUntil("events after the faults", () => load!.acknowledged >= after + 40, 20_000);
    await load.stop();
    const f = await load.verify();

    expect(outages.map((o) => [o.kind, o.reported])).toEqual([
      ["redis", [true, true]],
      ["postgres", [true, true]],
    ]);
    expect(f.received.failed).toEqual([]);
    expect(f.unexpectedErrors).toEqual({});
    // The faults were felt: publishers had to retry, and the players' clients had to reconnect.
    expect(f.operations.publishRetries).toBeGreaterThan(0);
    expect(f.stored).toEqual({ rows: f.acknowledged, lost: 0, duplicated: 0 });
    expect(f.received).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, unknown: 0 });
    expect(f.received.perSubscriber).toEqual(f.received.perSubscriber.map(() => f.acknowledged));
    expect(f.presence).toMatchObject({ onlineNotConnected: 0, connectedNotOnline: 0 });
    expect(f.presence.connected).toBeGreaterThan(0);
  }, 90_000);
});
