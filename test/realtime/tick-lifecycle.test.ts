// The control tick's life on one node: which local ticks ticks(gameId) delivers (every
// tickEvery-th, none while the game is paused), what gamesSynced counts, how NEXT_TICK events
// are delivered (in publishing order, at most 10,000 per tick, the rest on later ticks), the
// retention chore a new tick leader runs with EVENT_RETENTION_HOURS, and the refusal of an
// unknown gameId.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onRealPostgres } from "../support/database.ts";
import { createDeveloper, must, registerGame } from "../support/fixtures.ts";
import { restartTestServer, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { subscribe, wsClients, type TestSubscription, type TestWsClient } from "../support/ws.ts";
import { waitUntil, within } from "../support/wait.ts";

interface TickMsg {
  ticks: { number: string; gamesSynced: number; eventsPropagated: number };
}
interface EventMsg {
  events: { seq: string; type: string; tick: string; data: { i: number } };
}

const TICKS = `subscription($g: ID) { ticks(gameId: $g) { number gamesSynced eventsPropagated } }`;
const EVENTS = `subscription($since: Int64) { events(since: $since) { seq type tick data } }`;
const SET_STATUS = `mutation($id: ID!, $s: GameStatus!) { setGameStatus(id: $id, status: $s) { id status } }`;
const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq status } }`;

const num = (m: TickMsg): bigint => BigInt(m.ticks.number);

/** Resolves with the first value of `sub` (arrived or to come) that `match`es. */
async function firstWhere<T>(sub: TestSubscription<T>, match: (v: T) => boolean, ms: number, what: string) {
  return within(
    (async () => {
      for (let n = 1; ; n++) {
        const v = (await sub.received(n))[n - 1]!;
        if (match(v)) return v;
      }
    })(),
    ms,
    () => what,
  );
}

/** Runs `fn` while holding the universe_state row lock, so no tick can start meanwhile. */
async function withTickHeld<T>(dbUrl: string, fn: (currentTick: bigint) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    await c.query("BEGIN");
    const { rows } = await c.query<{ current_tick: string }>(
      "SELECT current_tick FROM universe_state WHERE id = 1 FOR UPDATE",
    );
    const result = await fn(BigInt(rows[0]!.current_tick));
    await c.query("COMMIT");
    return result;
  } finally {
    await c.end();
  }
}

describe.skipIf(!onRealPostgres())("the control tick on one node", () => {
  let s: TestServer;
  let devKey: string;
  let every3: { id: string; apiKey: string };
  const pool = wsClients(() => s.url);
  let admin: TestWsClient;
  const currentTick = async () =>
    (await s.app.services.prisma.universeState.findUniqueOrThrow({ where: { id: 1 } })).currentTick;
  const setStatus = async (id: string, status: "ACTIVE" | "PAUSED") =>
    must(await s.gql(SET_STATUS, { id, s: status }, devKey));

  beforeAll(async () => {
    s = await startTestServer({ TICK_HZ: "20" });
    devKey = (await createDeveloper(s, "Ticker")).key;
    // Games with different local tick rates: gamesSynced on tick n counts those with n % tickEvery = 0.
    every3 = await registerGame(s, devKey, "every-3", { tickEvery: 3 });
    await registerGame(s, devKey, "every-1", { tickEvery: 1 });
    await registerGame(s, devKey, "every-2", { tickEvery: 2 });
    await registerGame(s, devKey, "pausable", { tickEvery: 1 });
    admin = await pool.connect(TEST_ADMIN_TOKEN);
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it("ticks(gameId) of a game with tickEvery 3 delivers only multiples of 3, consecutive ones 3 apart", async () => {
    const own = subscribe<TickMsg>(await pool.connect(every3.apiKey), TICKS, { g: every3.id });
    const got = (await within(own.received(5), 5_000, () => "five local ticks")).map(num);
    own.stop();
    expect(got.every((n) => n % 3n === 0n)).toBe(true);
    expect(got.slice(1).map((n, i) => n - got[i]!)).toEqual([3n, 3n, 3n, 3n]);
  });

  it("a paused game gets no local tick while paused, and gets them again from the first tick after resume", async () => {
    await setStatus("pausable", "PAUSED");
    // Ticks up to P+1 may have read the game before the pause committed; from P+2 on they saw it paused.
    const paused = (await currentTick()) + 2n;
    const own = subscribe<TickMsg>(admin, TICKS, { g: "pausable" });
    const control = subscribe<TickMsg>(admin, TICKS);
    // Several control ticks pass while it is paused.
    await firstWhere(control, (m) => num(m) >= paused + 6n, 5_000, "six control ticks while paused");
    const lastPaused = await currentTick(); // every tick up to here committed while the game was paused
    await setStatus("pausable", "ACTIVE");
    const resumed = await currentTick();

    const first = num(await firstWhere(own, (m) => num(m) >= paused, 5_000, "a local tick after resume"));
    // None of the ticks while paused reached it: its first one is after the resume.
    expect(first).toBeGreaterThan(lastPaused);
    // tickEvery 1: from the first tick that read it active on, every control tick is its tick.
    expect(first).toBeLessThanOrEqual(resumed + 2n);
    const at = own.values.findIndex((m) => num(m) === first);
    const after = (await within(own.received(at + 4), 5_000, () => "three more local ticks")).slice(at).map(num);
    expect(after.slice(1).map((n, i) => n - after[i]!)).toEqual([1n, 1n, 1n]);
    own.stop();
    control.stop();
  });

  it("gamesSynced counts the active games whose local tick it is (tickEvery 1, 2, 3; one paused)", async () => {
    await setStatus("pausable", "PAUSED");
    const from = (await currentTick()) + 2n;
    const control = subscribe<TickMsg>(admin, TICKS);
    // Up to a multiple of 6 (three games tick) past an odd number (only every-1 ticks).
    const end = num(
      await firstWhere(
        control,
        (m) => num(m) >= from + 7n && num(m) % 6n === 0n,
        5_000,
        "a tick that is a multiple of 6",
      ),
    );
    control.stop();
    const seen = control.values.filter((m) => num(m) >= from && num(m) <= end);
    const expected = (n: bigint) => [1n, 2n, 3n].filter((every) => n % every === 0n).length;
    expect(seen.map((m) => [m.ticks.number, m.ticks.gamesSynced])).toEqual(
      seen.map((m) => [m.ticks.number, expected(num(m))]),
    );
    expect(new Set(seen.map((m) => m.ticks.gamesSynced))).toEqual(new Set([1, 2, 3]));
    await setStatus("pausable", "ACTIVE");
  });

  it("delivers NEXT_TICK events on the next tick, in publishing order, with consecutive seqs", async () => {
    const events = subscribe<EventMsg>(admin, EVENTS);
    const control = subscribe<TickMsg>(admin, TICKS);
    await control.received(1); // both subscriptions are live
    const { next, published } = await withTickHeld(s.db.url!, async (current) => {
      const published = [];
      for (let i = 0; i < 5; i++) {
        published.push(
          must(
            await s.gql<{ publishEvent: { seq: string | null; status: string } }>(
              PUBLISH,
              { i: { type: "queued", data: { i }, delivery: "NEXT_TICK" } },
              every3.apiKey,
            ),
          ).publishEvent,
        );
      }
      return { next: current + 1n, published };
    });
    expect(published.every((p) => p.status === "PENDING" && p.seq === null)).toBe(true);
    const got = (await within(events.received(5), 5_000, () => "the five NEXT_TICK events")).map((m) => m.events);
    expect(got.map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4]);
    const first = BigInt(got[0]!.seq);
    expect(got.map((e) => e.seq)).toEqual([0n, 1n, 2n, 3n, 4n].map((k) => String(first + k)));
    // All on the tick that was waiting for the lock: the next one.
    expect(got.map((e) => e.tick)).toEqual(Array(5).fill(String(next)));
    const tick = await firstWhere(control, (m) => num(m) === next, 5_000, `tick ${next}`);
    expect(tick.ticks.eventsPropagated).toBe(5);
    events.stop();
    control.stop();
  });

  it("delivers at most 10,000 NEXT_TICK events per tick, oldest first; the rest follow on the next tick", async () => {
    const CAP = 10_000;
    const EXTRA = 5;
    const control = subscribe<TickMsg>(admin, TICKS);
    await control.received(1);
    // Pending events as publishEvent stores them, written in one statement (so one tick sees
    // all of them), created a millisecond apart, with random ids.
    await s.app.services.prisma.$executeRaw`
      INSERT INTO events (id, type, recipient_game_ids, broadcast, data, delivery, status, request_hash, created_at)
      SELECT gen_random_uuid(), 'capped', '{}'::text[], true, jsonb_build_object('i', i),
             'NEXT_TICK'::"EventDelivery", 'PENDING'::"EventStatus", 'h',
             now() - interval '1 hour' + i * interval '1 millisecond'
        FROM generate_series(0, ${CAP + EXTRA - 1}) AS i`;
    const busy = await firstWhere(
      control,
      (m) => m.ticks.eventsPropagated > 0,
      10_000,
      "a tick that propagated events",
    );
    const next = await firstWhere(control, (m) => num(m) === num(busy) + 1n, 5_000, "the tick after it");
    expect(busy.ticks.eventsPropagated).toBe(CAP);
    expect(next.ticks.eventsPropagated).toBe(EXTRA);
    const rows = await s.app.services.prisma.$queryRaw<{ i: number; seq: bigint; tick: bigint; status: string }[]>`
      SELECT (data->>'i')::int AS i, seq, tick, status FROM events WHERE type = 'capped' ORDER BY created_at`;
    expect(rows.filter((r) => r.status !== "DELIVERED")).toEqual([]);
    // In creation order: consecutive seqs, the first 10,000 on the busy tick, the rest on the next.
    expect(rows.every((r, k) => r.i === k && (k === 0 || r.seq === rows[k - 1]!.seq + 1n))).toBe(true);
    expect(rows.slice(0, CAP).every((r) => r.tick === num(busy))).toBe(true);
    expect(rows.slice(CAP).map((r) => r.tick)).toEqual(Array(EXTRA).fill(num(next)));
    control.stop();
  });

  it("refuses ticks(gameId) of an unknown game with NOT_FOUND, as a next with errors", async () => {
    const outcome = await within(
      new Promise<{ kind: string; payload: unknown }>((resolve) => {
        admin.client.subscribe(
          { query: TICKS, variables: { g: "no-such-game" } },
          {
            next: (m) => resolve({ kind: "next", payload: m }),
            error: (e) => resolve({ kind: "error", payload: e }),
            complete: () => resolve({ kind: "complete", payload: null }),
          },
        );
      }),
      5_000,
      () => "an answer to ticks(gameId: no-such-game)",
    );
    expect(outcome.kind).toBe("next");
    const payload = outcome.payload as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    expect(payload.data ?? null).toBeNull();
    expect(payload.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
  });
});

describe.skipIf(!onRealPostgres())("event retention by the tick leader", () => {
  let s: TestServer;
  const pool = wsClients(() => s.url);
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it("a new leader prunes events older than EVENT_RETENTION_HOURS, raises the watermark; since below it is EVENTS_EXPIRED, live only is not refused", async () => {
    // No tick yet (TICK_HZ=0): publish, then age the events in Postgres.
    s = await startTestServer();
    const seqs: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      const r = must(
        await s.gql<{ publishEvent: { seq: string } }>(PUBLISH, { i: { type: "aging" } }, TEST_ADMIN_TOKEN),
      );
      seqs.push(BigInt(r.publishEvent.seq));
    }
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
    const { prisma } = s.app.services;
    // Two are 2 hours old, one 30 minutes, one fresh; the retention is 1 hour.
    await prisma.event.updateMany({ where: { seq: { in: seqs.slice(0, 2) } }, data: { deliveredAt: hoursAgo(2) } });
    await prisma.event.updateMany({ where: { seq: seqs[2]! }, data: { deliveredAt: hoursAgo(0.5) } });
    expect((await prisma.universeState.findUniqueOrThrow({ where: { id: 1 } })).prunedSeq).toBe(0n);

    // The same database under a node that leads the tick: its chores run at its first tick.
    s = await restartTestServer(s, { TICK_HZ: "20", EVENT_RETENTION_HOURS: "1" });
    const state = () => s.app.services.prisma.universeState.findUniqueOrThrow({ where: { id: 1 } });
    await waitUntil("the watermark to move", async () => (await state()).prunedSeq > 0n, 10_000);
    expect((await state()).prunedSeq).toBe(seqs[1]);
    const kept = await s.app.services.prisma.event.findMany({ where: { type: "aging" }, orderBy: { seq: "asc" } });
    expect(kept.map((e) => e.seq)).toEqual(seqs.slice(2));

    const c = await pool.connect(TEST_ADMIN_TOKEN);
    const tooOld = await subscribe(c, EVENTS, { since: String(seqs[0]! - 1n) }).errored;
    expect(tooOld[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "EVENTS_EXPIRED",
      prunedSeq: String(seqs[1]),
    });
    const ok = subscribe<EventMsg>(c, EVENTS, { since: String(seqs[1]) });
    expect((await ok.received(2)).map((m) => m.events.seq)).toEqual(seqs.slice(2).map(String));
    // Live only (since null: left out) is never refused for what was pruned: it gets the next event.
    const live = subscribe<EventMsg>(c, EVENTS, { since: null });
    await waitUntil("a live event after the pruning", async () => {
      must(await s.gql(PUBLISH, { i: { type: "after-prune" } }, TEST_ADMIN_TOKEN));
      return live.values.length > 0;
    });
    expect(live.values[0]!.events.type).toBe("after-prune");
  });
});
