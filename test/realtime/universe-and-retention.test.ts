import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { must } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { subscribe, wsClients } from "../support/ws.ts";

describe("universe and event retention", () => {
  let s: TestServer;
  const pool = wsClients(() => s.url);
  const ws = pool.connect;
  beforeAll(async () => {
    s = await startTestServer({ TICK_HZ: "20" });
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it("streams the universe to admins, with this node and the tick", async () => {
    const admin = await ws(TEST_ADMIN_TOKEN);
    const sub = subscribe<{ universe: { nodes: string[]; currentTick: string; lastTickDurationMs: number | null } }>(
      admin,
      `subscription { universe { nodes currentTick lastTickDurationMs } }`,
    );
    const [first, second] = await sub.received(2);
    expect(first!.universe.nodes).toEqual([s.app.services.realtime.nodeId]);
    expect(BigInt(second!.universe.currentTick)).toBeGreaterThan(0n);
    sub.stop();
    const q = must(
      await s.gql<{ universe: { playersOnline: number } }>(`{ universe { playersOnline } }`, {}, TEST_ADMIN_TOKEN),
    );
    expect(q.universe.playersOnline).toBe(0);
  });

  it("refuses the universe stream to anyone but the admin", async () => {
    const dev = must(
      await s.gql<{ createDeveloper: { key: string } }>(
        `mutation { createDeveloper(input: { name: "Curious" }) { key } }`,
        {},
        TEST_ADMIN_TOKEN,
      ),
    ).createDeveloper.key;
    const errors = await subscribe(await ws(dev), `subscription { universe { games } }`).errored;
    expect(errors[0]?.extensions?.["code"]).toBe("FORBIDDEN");
  });

  it("prunes delivered events past retention and refuses since before them (EVENTS_EXPIRED)", async () => {
    const seqs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = must(
        await s.gql<{ publishEvent: { seq: string } }>(
          `mutation { publishEvent(input: { type: "old" }) { seq } }`,
          {},
          TEST_ADMIN_TOKEN,
        ),
      );
      seqs.push(r.publishEvent.seq);
    }
    const { prisma } = s.app.services;
    // The first two are a year old.
    const old = new Date(Date.now() - 365 * 24 * 3_600_000);
    await prisma.event.updateMany({ where: { seq: { in: seqs.slice(0, 2).map(BigInt) } }, data: { deliveredAt: old } });
    expect(await s.app.services.realtime.log.prune(24)).toBe(2);
    expect((await prisma.universeState.findUniqueOrThrow({ where: { id: 1 } })).prunedSeq).toBe(BigInt(seqs[1]!));

    const admin = await ws(TEST_ADMIN_TOKEN);
    const tooOld = await subscribe(admin, `subscription($s: Int64) { events(since: $s) { seq } }`, {
      s: String(BigInt(seqs[0]!) - 1n),
    }).errored;
    expect(tooOld[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "EVENTS_EXPIRED" });
    // From the watermark on, the rest is all there.
    const ok = subscribe<{ events: { seq: string } }>(admin, `subscription($s: Int64) { events(since: $s) { seq } }`, {
      s: seqs[1],
    });
    expect((await ok.received(2)).map((m) => m.events.seq)).toEqual(seqs.slice(2));
  });
});
