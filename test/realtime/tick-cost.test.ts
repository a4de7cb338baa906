// What a control tick costs in Postgres statements: an idle tick is one statement however many
// games there are; the games' tick rates are re-read (once) only when a game changed; a node's
// ticks(gameId) subscribers add nothing to an idle tick. Ticks are driven one at a time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TickLeader } from "../../server/src/platform/realtime/tick-leader.ts";
import { must, registerGame } from "../support/fixtures.ts";
import { dbQueriesDuring } from "../support/metrics.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { testTickLeader } from "../support/ticks.ts";
import { subscribe, wsClients } from "../support/ws.ts";
import { within } from "../support/wait.ts";

const GAMES = 2_000;

describe("the cost of a tick", () => {
  let s: TestServer;
  let leader: TickLeader;
  const pool = wsClients(() => s.url);

  beforeAll(async () => {
    s = await startTestServer(); // TICK_HZ=0: only the leader below ticks
    const { prisma } = s.app.services;
    await registerGame(s, TEST_ADMIN_TOKEN, "watched", { developerName: "Ops" });
    // Many active games, written straight into Postgres (one statement).
    await prisma.$executeRaw`
      INSERT INTO games (id, name, developer_name, api_key_hash, status, tick_every)
      SELECT 'many-' || i, 'Many ' || i, 'Ops', md5('many-' || i), 'ACTIVE', 1 + i % 2
        FROM generate_series(1, ${GAMES}) AS i`;
    leader = testTickLeader(s, "cost-leader");
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it(`an idle tick is one statement with ${GAMES} games; a game change costs one more read, once`, async () => {
    await leader.tick(); // the first tick reads the games' rates
    let t = await leader.tick();
    const odd = (n: string) => BigInt(n) % 2n === 1n;
    // tickEvery 1 (half of them, and "watched") every tick; tickEvery 2 on even ticks.
    const synced = (n: string) => 1 + GAMES / 2 + (odd(n) ? 0 : GAMES / 2);
    expect(t.gamesSynced).toBe(synced(t.number));
    for (let i = 0; i < 3; i++) {
      expect(await dbQueriesDuring(s.url, async () => (t = await leader.tick()))).toBe(1);
      expect(t.gamesSynced).toBe(synced(t.number));
      expect(t.eventsPropagated).toBe(0);
    }

    must(await s.gql(`mutation { setGameStatus(id: "watched", status: PAUSED) { status } }`, {}, TEST_ADMIN_TOKEN));
    expect(await dbQueriesDuring(s.url, async () => (t = await leader.tick()))).toBe(2);
    expect(t.gamesSynced).toBe(synced(t.number) - 1);
    expect(await dbQueriesDuring(s.url, async () => (t = await leader.tick()))).toBe(1);
    must(await s.gql(`mutation { setGameStatus(id: "watched", status: ACTIVE) { status } }`, {}, TEST_ADMIN_TOKEN));
    await leader.tick();
  });

  it("a tick with pending events delivers them in one more statement; the next idle tick is one statement again", async () => {
    const published = must(
      await s.gql<{ publishEvents: { id: string }[] }>(
        `mutation { publishEvents(inputs: [{ type: "later", delivery: NEXT_TICK, data: { n: 1, deep: { a: [1, "x"] } } },
                                          { type: "later", delivery: NEXT_TICK, data: { n: 2 } }]) { id } }`,
        {},
        TEST_ADMIN_TOKEN,
      ),
    ).publishEvents;
    type Delivered = { id: string; seq: string; tick: string; data: unknown; deliveredAt: string };
    const FIELDS = "id seq tick type sourceGameId targetGameId broadcast recipientGameIds data createdAt deliveredAt";
    const admin = await pool.connect(TEST_ADMIN_TOKEN);
    const live = subscribe<{ events: Delivered }>(admin, `subscription { events { ${FIELDS} } }`);
    // Live once an event published after it arrives: then the tick's events come from its bus message.
    must(await s.gql(`mutation { publishEvent(input: { type: "probe" }) { seq } }`, {}, TEST_ADMIN_TOKEN));
    await within(live.received(1), 5_000, () => "the probe");
    const since = live.values[0]!.events.seq;
    let t!: Awaited<ReturnType<TickLeader["tick"]>>;
    // The idle statement, then one that delivers: two round trips, not an interactive transaction.
    expect(await dbQueriesDuring(s.url, async () => (t = await leader.tick()))).toBe(2);
    expect(t.eventsPropagated).toBe(2);
    expect(BigInt(t.lastSeq)).toBe(BigInt(since) + 2n);
    await within(live.received(3), 5_000, () => "the two delivered events");
    // As a read of the log gives them: in publish order, consecutive seqs, the tick's number.
    const read = must(
      await s.gql<{ events: { nodes: Delivered[] } }>(
        `query { events(last: 2) { nodes { ${FIELDS} } } }`,
        {},
        TEST_ADMIN_TOKEN,
      ),
    ).events.nodes;
    expect(live.values.slice(1).map((v) => v.events)).toEqual(read);
    expect(read.map((e) => e.id)).toEqual(published.map((e) => e.id));
    expect(read.map((e) => e.seq)).toEqual([BigInt(since) + 1n, BigInt(since) + 2n].map(String));
    expect(read.every((e) => e.tick === t.number)).toBe(true);
    expect(await dbQueriesDuring(s.url, () => leader.tick())).toBe(1);
    live.stop();
  });

  it("ticks delivering while publishers publish keep the seqs gapless: every event once, in commit order", async () => {
    const read = async (after: string) =>
      must(
        await s.gql<{ events: { nodes: { id: string; seq: string; status: string }[] } }>(
          `query($after: Int64) { events(after: $after, first: 500) { nodes { id seq status } } }`,
          { after },
          TEST_ADMIN_TOKEN,
        ),
      ).events.nodes;
    const since = must(
      await s.gql<{ eventLog: { lastSeq: string } }>(`query { eventLog { lastSeq } }`, {}, TEST_ADMIN_TOKEN),
    ).eventLog.lastSeq;
    const admin = await pool.connect(TEST_ADMIN_TOKEN);
    const live = subscribe<{ events: { seq: string } }>(
      admin,
      `subscription($since: Int64) { events(since: $since) { seq } }`,
      {
        since,
      },
    );
    const sent: string[] = [];
    let publishing = true;
    const ticking = (async () => {
      while (publishing) await leader.tick();
    })();
    // 4 publishers, each call one IMMEDIATE event (takes the next seq at once) and two for the tick.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 20; i++) {
          const r = must(
            await s.gql<{ publishEvents: { id: string }[] }>(
              `mutation { publishEvents(inputs: [{ type: "race", delivery: NEXT_TICK }, { type: "race" },
                                                 { type: "race", delivery: NEXT_TICK }]) { id } }`,
              {},
              TEST_ADMIN_TOKEN,
            ),
          );
          sent.push(...r.publishEvents.map((e) => e.id));
        }
      }),
    );
    publishing = false;
    await ticking;
    await leader.tick(); // what was still pending
    const stored = await read(since);
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => String(BigInt(since) + BigInt(i + 1))));
    expect(stored.every((e) => e.status === "DELIVERED")).toBe(true);
    expect(stored.map((e) => e.id).sort()).toEqual([...sent].sort());
    // A live subscriber got them all once, in seq order.
    await within(live.received(sent.length), 10_000, () => `${sent.length} events live`);
    expect(live.values.map((v) => v.events.seq)).toEqual(stored.map((e) => e.seq));
    live.stop();
  });

  it("never gives a tick number twice, though the number's commit does not wait for the disk", async () => {
    const { prisma } = s.app.services;
    // What a Postgres crash can do to a commit that did not wait for the disk: lose the last few.
    const lose = (n: number) =>
      prisma.$executeRaw`UPDATE universe_state SET current_tick = current_tick - ${n} WHERE id = 1`;
    const t1 = await leader.tick();
    await lose(5);
    const t2 = await leader.tick();
    expect(BigInt(t2.number)).toBe(BigInt(t1.number) + 1n);
    // A node that takes the lead goes on from the last tick it heard, though it never led.
    await lose(5);
    const next = testTickLeader(s, "new-leader", () => BigInt(t2.number));
    expect(BigInt((await next.tick()).number)).toBe(BigInt(t2.number) + 1n);
    const t3 = await leader.tick();
    expect(BigInt(t3.number)).toBe(BigInt(t2.number) + 2n);
  });

  it("ticks(gameId) subscribers add no statement to an idle tick", async () => {
    const admin = await pool.connect(TEST_ADMIN_TOKEN);
    const own = subscribe<{ ticks: { number: string } }>(admin, `subscription { ticks(gameId: "watched") { number } }`);
    const all = subscribe<{ ticks: { number: string } }>(admin, `subscription { ticks { number } }`);
    // Live once a tick reached the game's subscriber.
    for (let n = 1; own.values.length === 0; n++) {
      await leader.tick();
      await within(all.received(n), 5_000, () => "a tick on the all-ticks subscription");
    }
    const got = own.values.length;
    const queries = await dbQueriesDuring(s.url, async () => {
      for (let i = 0; i < 5; i++) await leader.tick();
      await within(own.received(got + 5), 5_000, () => "five more local ticks");
    });
    expect(queries).toBe(5);
    own.stop();
    all.stop();
  });
});
