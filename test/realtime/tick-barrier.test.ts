// The tick barrier (docs/realtime.md, "The tick barrier") on the real server. A game that opted
// in (updateGame tickBarrier) reports each tick it finished (completeTick); the leader starts
// the next tick once every such game reported, or TICK_BARRIER_MS after its normal start, and
// says in the Tick how long it waited and whom it gave up on. Games that did not opt in, or are
// paused, are never waited for. completeTick is refused clearly, with nothing recorded, for a
// tick that is not the game's current one or a game that did not opt in; it works over the
// WebSocket too. While the barrier holds a tick back, the leader keeps renewing its lease.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bus } from "../../server/src/platform/bus/bus.ts";
import { Metrics } from "../../server/src/platform/observability/metrics.ts";
import { MarkedSet } from "../../server/src/platform/realtime/bus-names.ts";
import { channels, type TickMessage } from "../../server/src/platform/realtime/channels.ts";
import { TickBarrier } from "../../server/src/platform/realtime/tick-barrier.ts";
import { TickLeader } from "../../server/src/platform/realtime/tick-leader.ts";
import { must, registerGame } from "../support/fixtures.ts";
import type { GqlResult } from "../support/graphql.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import {
  Arrivals,
  expectSteppingGame,
  hearTicks,
  testTickLeader,
  type Arrival,
  type BarrierTick,
} from "../support/ticks.ts";
import { wsClients, type TestWsClient } from "../support/ws.ts";
import { waitUntil, within } from "../support/wait.ts";

const BARRIER_MS = 1500;

const OPT_IN = `mutation($id: ID!, $on: Boolean!) { updateGame(id: $id, input: { tickBarrier: $on }) { id tickBarrier } }`;
const COMPLETE = `mutation($n: Int64!) { completeTick(number: $n) }`;
const SET_STATUS = `mutation($id: ID!, $s: GameStatus!) { setGameStatus(id: $id, status: $s) { status } }`;

const num = (a: Arrival<BarrierTick>): bigint => BigInt(a.value.number);

/** Runs a query or mutation over the WebSocket (graphql-ws allows it) and answers its result. */
function overWs<T>(ws: TestWsClient, query: string, variables: Record<string, unknown>): Promise<GqlResult<T>> {
  return new Promise((resolve, reject) => {
    let result: GqlResult<T> | undefined;
    ws.client.subscribe<T>(
      { query, variables },
      {
        next: (r) => (result = { status: 200, headers: new Headers(), ...r } as GqlResult<T>),
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error("no result"))),
      },
    );
  });
}

describe("the tick barrier on a ticking server", () => {
  let s: TestServer;
  const pool = wsClients(() => s.url);
  /** Every control tick, as the admin hears it. */
  let ticks: Arrivals<BarrierTick>;
  const currentTick = async () =>
    (await s.app.services.prisma.universeState.findUniqueOrThrow({ where: { id: 1 } })).currentTick;
  const tickAt = (n: bigint, what: string) =>
    within(
      ticks.first((a) => num(a) >= n),
      10_000,
      () => what,
    );
  /** The ticks heard from `from` to `to`, both included. */
  const heardBetween = (from: bigint, to: bigint) => ticks.list.filter((a) => num(a) >= from && num(a) <= to);

  beforeAll(async () => {
    s = await startTestServer({ TICK_HZ: "10", TICK_BARRIER_MS: String(BARRIER_MS) });
    ticks = hearTicks(await pool.connect(TEST_ADMIN_TOKEN));
    await registerGame(s, TEST_ADMIN_TOKEN, "bystander", { developerName: "Ops" }); // never opts in nor reports
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it("waits for a game that never reports until TICK_BARRIER_MS has passed, then names it late; never for a paused or opted-out one", async () => {
    const sloth = await registerGame(s, TEST_ADMIN_TOKEN, "sloth", { developerName: "Ops" });
    // A tick that read the games after the registration: the leader learns of the opt-in below
    // only because it moves the games version too.
    await tickAt((await currentTick()) + 2n, "a tick after the registration");
    // The game opts itself in.
    expect(must(await s.gql(OPT_IN, { id: "sloth", on: true }, sloth.apiKey))).toEqual({
      updateGame: { id: "sloth", tickBarrier: true },
    });

    const late = await within(
      ticks.first((a) => a.value.lateGameIds.length > 0),
      10_000,
      () => "a tick that gave up on sloth",
    );
    const before = ticks.list.find((a) => num(a) === num(late) - 1n)!;
    expect(late.value.lateGameIds).toEqual(["sloth"]);
    // Held back for the whole barrier, after the normal period.
    expect(late.value.waitedMs).toBeGreaterThanOrEqual(BARRIER_MS);
    expect(late.value.waitedMs).toBeLessThan(BARRIER_MS + 1000);
    const gap = Date.parse(late.value.startedAt) - Date.parse(before.value.startedAt);
    expect(gap).toBeGreaterThanOrEqual(BARRIER_MS);
    // And again on the next tick: it still has not reported.
    const again = await tickAt(num(late) + 1n, "the tick after");
    expect(again.value.lateGameIds).toEqual(["sloth"]);
    expect(again.value.waitedMs).toBeGreaterThanOrEqual(BARRIER_MS);

    // Paused, it is not waited for. The tick current now may still have expected it (its rates
    // were read before the pause); the one after it was read with the pause.
    must(await s.gql(SET_STATUS, { id: "sloth", s: "PAUSED" }, TEST_ADMIN_TOKEN));
    await expectNoWaiting(await currentTick(), "while sloth is paused");
    // Active again but opted out (by its developer or the admin): not waited for either.
    must(await s.gql(OPT_IN, { id: "sloth", on: false }, TEST_ADMIN_TOKEN));
    must(await s.gql(SET_STATUS, { id: "sloth", s: "ACTIVE" }, TEST_ADMIN_TOKEN));
    await expectNoWaiting(await currentTick(), "once sloth opted out");

    // The game that never opted in was never waited for, nor named.
    expect(ticks.list.some((a) => a.value.lateGameIds.includes("bystander"))).toBe(false);
  });

  /** From tick `current` + 2 on, five ticks come at the normal rate, none held back or late. */
  async function expectNoWaiting(current: bigint, what: string) {
    const first = current + 2n;
    await tickAt(first + 4n, `five ticks ${what}`);
    const five = heardBetween(first, first + 4n);
    expect(five.map((a) => [a.value.waitedMs, a.value.lateGameIds])).toEqual(five.map(() => [0, []]));
    // Four periods (400 ms), not a barrier's wait per tick (6 s).
    expect(Date.parse(five[4]!.value.startedAt) - Date.parse(five[0]!.value.startedAt)).toBeLessThan(BARRIER_MS);
  }

  it("a game that reports promptly is never late; one that takes longer holds the next tick only until it reports (over the WebSocket)", async () => {
    const hare = await registerGame(s, TEST_ADMIN_TOKEN, "hare", { developerName: "Ops" });
    // The game reports over its own WebSocket.
    const game = await pool.connect(hare.apiKey);
    await expectSteppingGame({
      ws: game,
      complete: (n) => overWs(game, COMPLETE, { n: n.toString() }),
      optIn: async () => must(await s.gql(OPT_IN, { id: "hare", on: true }, hare.apiKey)),
      currentTick,
      ticks,
      barrierMs: BARRIER_MS,
    });
    // Done: hare opts out, so the suite's later ticks do not wait for it.
    must(await s.gql(OPT_IN, { id: "hare", on: false }, hare.apiKey));
  });
});

describe("completeTick, tick by tick", () => {
  let s: TestServer;
  let leader: TickLeader;
  const pool = wsClients(() => s.url);
  const keys: Record<string, string> = {};
  const complete = (game: string, n: bigint) => s.gql(COMPLETE, { n: n.toString() }, keys[game]);
  const done = (n: bigint) => s.app.services.bus.marked(MarkedSet.tickDone(n));

  beforeAll(async () => {
    s = await startTestServer(); // TICK_HZ=0: the ticks are the ones the tests drive
    leader = testTickLeader(s, "manual-leader");
    for (const [id, extra, optIn] of [
      ["opted", {}, true],
      ["every-3", { tickEvery: 3 }, true],
      ["not-opted", {}, false],
      ["napping", {}, true],
    ] as const) {
      keys[id] = (await registerGame(s, TEST_ADMIN_TOKEN, id, { developerName: "Ops", ...extra })).apiKey;
      if (optIn) must(await s.gql(OPT_IN, { id, on: true }, TEST_ADMIN_TOKEN));
    }
    must(await s.gql(SET_STATUS, { id: "napping", s: "PAUSED" }, TEST_ADMIN_TOKEN));
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it("takes the current tick from a game that opted in, and refuses anything else clearly, recording nothing", async () => {
    let n = BigInt((await leader.tick()).number);
    if (n % 3n !== 0n) n = BigInt((await leader.tick()).number); // every-3 needs a tick of its own
    if (n % 3n !== 0n) n = BigInt((await leader.tick()).number);
    expect(n % 3n).toBe(0n);

    const refusals: [string, bigint, string, string | undefined][] = [
      ["not-opted", n, 'Game "not-opted" has not opted into the tick barrier', undefined],
      ["napping", n, 'Game "napping" is paused', undefined],
      ["opted", n - 1n, `number must be the current tick, ${n}: tick ${n - 1n} is over`, "number"],
      ["opted", n + 1n, `number must be the current tick, ${n}: tick ${n + 1n} has not started`, "number"],
    ];
    for (const [game, number, message, field] of refusals) {
      const r = await complete(game, number);
      expect(r.errors?.[0], `${game} completing ${number}`).toMatchObject({
        message: expect.stringContaining(message) as string,
        extensions: { code: "BAD_USER_INPUT", ...(field ? { field } : {}) },
      });
    }
    expect(await done(n)).toEqual([]);
    expect(await done(n + 1n)).toEqual([]);

    expect(must(await complete("opted", n))).toEqual({ completeTick: true });
    expect(must(await complete("every-3", n))).toEqual({ completeTick: true });
    expect(must(await complete("opted", n))).toEqual({ completeTick: true }); // again: no harm
    expect((await done(n)).sort()).toEqual(["every-3", "opted"]);

    // The next tick is not every-3's: it has nothing to report then.
    const next = BigInt((await leader.tick()).number);
    const r = await complete("every-3", next);
    expect(r.errors?.[0]).toMatchObject({
      message: `number must be a tick of game "every-3" (a multiple of its tickEvery, 3): tick ${next} is not`,
      extensions: { code: "BAD_USER_INPUT", field: "number" },
    });
    expect(await done(next)).toEqual([]);
    // The admin is no game: FORBIDDEN before anything is looked up.
    const admin = await s.gql(COMPLETE, { n: next.toString() }, TEST_ADMIN_TOKEN);
    expect(admin.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
  });

  it("works over the WebSocket, with the same refusals", async () => {
    const n = BigInt((await leader.tick()).number);
    const ws = await pool.connect(keys["opted"]!);
    expect(await overWs(ws, COMPLETE, { n: n.toString() })).toMatchObject({ data: { completeTick: true } });
    expect(await done(n)).toEqual(["opted"]);
    const stale = await overWs(ws, COMPLETE, { n: (n - 1n).toString() });
    expect(stale.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "number" } });
  });

  it("the leader keeps renewing its lease while the barrier holds a tick back", async () => {
    const { prisma, bus, channels, logger, realtime } = s.app.services;
    const leases: number[] = [];
    const counting: Bus = Object.assign(Object.create(bus) as Bus, {
      lease: (...args: Parameters<Bus["lease"]>) => {
        leases.push(Date.now());
        return bus.lease(...args);
      },
    });
    const barrier = await TickBarrier.start({ bus, channels, logger, barrierMs: 1000, keepMs: 5000, listen: true });
    const waiting = new TickLeader({
      prisma,
      bus: counting,
      channels,
      log: realtime.log,
      logger,
      metrics: new Metrics(),
      nodeId: "waiting-leader",
      hz: 20,
      leaseMs: 300, // a third of the barrier's wait
      barrier,
    });
    const heard = new Arrivals<TickMessage>();
    const stop = realtime.ticks.listen((t) => heard.add(t));
    waiting.start();
    try {
      // "opted" never reports here: the leader waits for it on every tick.
      const held = await within(
        heard.first((a) => a.value.leader === "waiting-leader" && a.value.lateGameIds.includes("opted")),
        10_000,
        () => "a tick held back for opted",
      );
      const before = heard.list.find((a) => BigInt(a.value.number) === BigInt(held.value.number) - 1n)!;
      expect(held.value.waitedMs).toBeGreaterThanOrEqual(1000);
      // Renewed every period (50 ms) meanwhile, not once per tick: the lease never lapsed.
      expect(leases.filter((t) => t > before.at && t < held.at).length).toBeGreaterThanOrEqual(10);
      expect(waiting.leading).toBe(true);
    } finally {
      stop();
      await waiting.stop();
      await barrier.stop();
    }
  });

  // Last: the ticks it sends are numbered far ahead, so this node drops lower ones from then on.
  it("reads a tick from a leader before the barrier (a rolling upgrade) as one that waited for nobody", async () => {
    const heard = hearTicks(await pool.connect(TEST_ADMIN_TOKEN));
    const first = BigInt((await leader.tick()).number) + 1000n;
    const old = () => heard.list.find((a) => num(a) >= first);
    let n = first;
    const before = (number: bigint) => ({
      number: number.toString(),
      startedAt: new Date().toISOString(),
      durationMs: 1,
      gamesSynced: 0,
      eventsPropagated: 0,
      lastSeq: "0",
      gamesVersion: "0",
      leader: "node-before-the-barrier",
    });
    // Sent until the subscription, live by then, hears one.
    await waitUntil("a tick of the old format", async () => {
      await s.app.services.bus.publish(channels.ticks.name, JSON.stringify(before(n++)));
      return old();
    });
    expect(old()!.value).toMatchObject({ waitedMs: 0, lateGameIds: [] });
  });
});
