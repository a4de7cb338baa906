// The games version the control tick reads (the sum of games_version's slots, each raised by a
// trigger on games in the changing transaction): it moves with a change to the games the tick
// cares about exactly when that change commits, never before, whichever connection made it;
// and changes on different connections do not wait for each other's commit.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TickLeader } from "../../server/src/platform/realtime/tick-leader.ts";
import { onRealPostgres } from "../support/database.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { testTickLeader } from "../support/ticks.ts";

const insertGame = (c: pg.Client, id: string) =>
  c.query(`INSERT INTO games (id, name, developer_name, api_key_hash) VALUES ($1, $1, 'Ops', md5($1))`, [id]);

describe.skipIf(!onRealPostgres())("the games version", () => {
  let s: TestServer;
  let leader: TickLeader;
  const clients: pg.Client[] = [];
  /** Slots the test's connections hold; slot 1 is the former single row, so never used here. */
  const slots = new Set([1]);

  /** A connection of its own whose slot (backend pid % 64) no other connection of the test has. */
  async function connection(): Promise<pg.Client> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const c = new pg.Client({ connectionString: s.db.url });
      await c.connect();
      const { rows } = await c.query<{ slot: number }>("SELECT pg_backend_pid() % 64 AS slot");
      if (!slots.has(rows[0]!.slot)) {
        slots.add(rows[0]!.slot);
        clients.push(c);
        return c;
      }
      await c.end();
    }
    throw new Error("no connection with a free slot in 100 attempts");
  }

  beforeAll(async () => {
    s = await startTestServer(); // TICK_HZ=0: only the leader below ticks
    leader = testTickLeader(s, "version-leader");
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await s?.stop();
  });

  it("moves when a change commits, not before, from any connection", async () => {
    const c = await connection();
    const t0 = await leader.tick();

    await c.query("BEGIN");
    await insertGame(c, "pending-game");
    const t1 = await leader.tick();
    expect([t1.gamesVersion, t1.gamesSynced]).toEqual([t0.gamesVersion, t0.gamesSynced]);
    await c.query("COMMIT");
    const t2 = await leader.tick();
    expect(t2.gamesVersion).not.toBe(t1.gamesVersion);
    expect(t2.gamesSynced).toBe(t0.gamesSynced + 1);

    await c.query("BEGIN");
    await c.query(`UPDATE games SET status = 'PAUSED' WHERE id = 'pending-game'`);
    const t3 = await leader.tick();
    expect([t3.gamesVersion, t3.gamesSynced]).toEqual([t2.gamesVersion, t2.gamesSynced]);
    await c.query("COMMIT");
    const t4 = await leader.tick();
    expect(t4.gamesVersion).not.toBe(t3.gamesVersion);
    expect(t4.gamesSynced).toBe(t0.gamesSynced);

    // A heartbeat (last_heartbeat_at) is no news for the tick.
    await c.query(`UPDATE games SET last_heartbeat_at = now() WHERE id = 'pending-game'`);
    expect((await leader.tick()).gamesVersion).toBe(t4.gamesVersion);
  });

  it("changes on two connections do not wait for each other's commit, and both count", async () => {
    const [a, b] = [await connection(), await connection()];
    const t0 = await leader.tick();
    await b.query("SET lock_timeout = '3s'");
    await a.query("BEGIN");
    await insertGame(a, "first-open");
    await b.query("BEGIN");
    // With one counter row this would wait for a's commit (and fail on the lock timeout).
    await insertGame(b, "second-open");
    await b.query(`UPDATE games SET tick_every = 2 WHERE id = 'second-open'`);
    await b.query("COMMIT");
    const t1 = await leader.tick();
    expect(t1.gamesVersion).not.toBe(t0.gamesVersion);
    await a.query("COMMIT");
    const t2 = await leader.tick();
    expect(t2.gamesVersion).not.toBe(t1.gamesVersion);
    // The other active games tick every tick; tickEvery 1 counts on every tick, tickEvery 2 on even ones.
    const even = (n: string) => (BigInt(n) % 2n === 0n ? 1 : 0);
    expect(t2.gamesSynced).toBe(t0.gamesSynced + 1 + even(t2.number));
  });
});
