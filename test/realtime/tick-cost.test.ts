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

  it("a tick with pending events delivers them; the next idle tick is one statement again", async () => {
    must(
      await s.gql(
        `mutation { publishEvents(inputs: [{ type: "later", delivery: NEXT_TICK }, { type: "later", delivery: NEXT_TICK }]) { id } }`,
        {},
        TEST_ADMIN_TOKEN,
      ),
    );
    expect((await leader.tick()).eventsPropagated).toBe(2);
    expect(await dbQueriesDuring(s.url, () => leader.tick())).toBe(1);
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
