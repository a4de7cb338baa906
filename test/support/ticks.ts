import type { Redis } from "ioredis";
import { expect } from "vitest";
import { Metrics } from "../../server/src/platform/observability/metrics.ts";
import { TickLeader } from "../../server/src/platform/realtime/tick-leader.ts";
import type { ClusterNode } from "./cluster.ts";
import type { GqlResult } from "./graphql.ts";
import type { ServerProcess } from "./process.ts";
import type { TestServer } from "./server.ts";
import { waitUntil, within } from "./wait.ts";
import type { TestWsClient } from "./ws.ts";

/**
 * A tick leader over a test server's own parts, for a test that drives the control tick itself
 * (`leader.tick()`, one at a time; the server runs with TICK_HZ=0, so no other node leads).
 */
export function testTickLeader(s: TestServer, nodeId: string, heard?: () => bigint | undefined): TickLeader {
  const { prisma, bus, channels, logger, realtime } = s.app.services;
  return new TickLeader({
    prisma,
    bus,
    channels,
    log: realtime.log,
    logger,
    metrics: new Metrics(),
    nodeId,
    hz: 1,
    leaseMs: 2000,
    ...(heard ? { heard } : {}),
  });
}

/** The nodeId a server process logged when it took the tick lease. */
export async function leadingNodeId(proc: ServerProcess, timeoutMs?: number): Promise<string> {
  const [line] = await proc.waitFor(/^.*"tick: now leading".*$/m, timeoutMs);
  return (JSON.parse(line) as { nodeId: string }).nodeId;
}

export interface Arrival<T> {
  value: T;
  at: number;
}

/** Values arriving from some source, each stamped with Date.now(), with a way to wait for one. */
export class Arrivals<T> {
  readonly list: Arrival<T>[] = [];
  readonly #waiters: { match: (a: Arrival<T>) => boolean; resolve: (a: Arrival<T>) => void }[] = [];

  add(value: T): void {
    const a = { value, at: Date.now() };
    this.list.push(a);
    for (const w of [...this.#waiters]) {
      if (w.match(a)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(a);
      }
    }
  }

  /** The first arrival (already here or to come) that `match`es. */
  first(match: (a: Arrival<T>) => boolean): Promise<Arrival<T>> {
    const found = this.list.find(match);
    return found ? Promise.resolve(found) : new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }
}

/** A tick message on the bus: its number and the node that drove it. */
export interface BusTick {
  number: bigint;
  leader: string;
}

/** Every tick message on the cluster's bus (`prefix` is its REDIS_KEY_PREFIX), as it arrives. */
export async function tapBusTicks(tap: Redis, prefix: string): Promise<Arrivals<BusTick>> {
  const bus = new Arrivals<BusTick>();
  tap.on("message", (_channel: string, text: string) => {
    const t = JSON.parse(text) as { number: string; leader: string };
    bus.add({ number: BigInt(t.number), leader: t.leader });
  });
  await tap.subscribe(`${prefix}ticks`);
  return bus;
}

/** Which of two nodes leads the tick (the one that logs taking the lease), its id, and the other. */
export async function findLeader(
  nodes: [ClusterNode, ClusterNode],
): Promise<{ leader: ClusterNode; leaderId: string; other: ClusterNode }> {
  const [n0, n1] = nodes;
  const { node: leader, id: leaderId } = await within(
    Promise.race([
      leadingNodeId(n0.proc).then((id) => ({ node: n0, id })),
      leadingNodeId(n1.proc).then((id) => ({ node: n1, id })),
    ]),
    10_000,
    () => "a node to log that it leads the tick",
  );
  return { leader, leaderId, other: leader === n0 ? n1 : n0 };
}

/** A `Tick` with what the tick barrier says of the tick before it. */
export interface BarrierTick {
  number: string;
  startedAt: string;
  waitedMs: number;
  lateGameIds: string[];
}

const BARRIER_TICKS = `subscription { ticks { number startedAt waitedMs lateGameIds } }`;

/** Every tick `ws` hears (its own game's local ticks for a game key, every tick for the admin), as it arrives. */
export function hearTicks(ws: TestWsClient, onTick?: (t: BarrierTick) => void): Arrivals<BarrierTick> {
  const heard = new Arrivals<BarrierTick>();
  ws.client.subscribe<{ ticks: BarrierTick }>(
    { query: BARRIER_TICKS },
    {
      next: (m) => {
        if (!m.data) return;
        heard.add(m.data.ticks);
        onTick?.(m.data.ticks);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return heard;
}

/** A game's answer to completeTick, and when the game sent it (Date.now()). */
interface Report {
  sentAt: number;
  result: GqlResult<{ completeTick: boolean }>;
}

/** How long the stepping game of `expectSteppingGame` takes over its slow tick. */
const SLOW_MS = 400;

/**
 * A game server stepping with the tick barrier, and what the leader makes of it. The game hears
 * its local ticks (tickEvery 1) on `ws` and reports each one with `complete` (over any path and
 * node) at once, but one it takes SLOW_MS over. Once it hears them, it opts in (`optIn`); from
 * the tick after the one current then (`currentTick`), the leader waits for it. Checked on the
 * control ticks heard (`ticks`): every report is taken and no tick gives up on anyone; the tick
 * after the slow one waits for its report and starts right after it, well within the barrier
 * (`barrierMs`); the others, reported at once, are not held back for the barrier.
 */
export async function expectSteppingGame(o: {
  ws: TestWsClient;
  complete: (n: bigint) => Promise<GqlResult<{ completeTick: boolean }>>;
  optIn: () => Promise<unknown>;
  currentTick: () => Promise<bigint>;
  ticks: Arrivals<BarrierTick>;
  barrierMs: number;
}): Promise<void> {
  const { ticks, barrierMs } = o;
  const reports = new Map<bigint, Report>();
  let slow = -1n;
  let checked = false;
  const heard = hearTicks(o.ws, (t) => {
    const n = BigInt(t.number);
    setTimeout(
      () => {
        if (checked) return; // the game stops stepping once its run is checked
        const sentAt = Date.now();
        // A report that fails is missing from `reports`, which the checks below see.
        o.complete(n).then(
          (result) => reports.set(n, { sentAt, result }),
          () => undefined,
        );
      },
      n === slow ? SLOW_MS : 0,
    );
  });
  try {
    await checkRun();
  } finally {
    checked = true;
  }

  async function checkRun(): Promise<void> {
    // Listening before it opts in, so that it hears every tick the leader waits for it on.
    await within(
      heard.first(() => true),
      10_000,
      () => "the game's first tick",
    );
    await o.optIn();
    const from = (await o.currentTick()) + 1n; // its rates were read after the opt-in
    slow = from + 5n;
    const to = slow + 4n;

    await within(
      ticks.first((a) => BigInt(a.value.number) >= to),
      10_000,
      () => `tick ${to}`,
    );
    const seen = ticks.list.map((a) => a.value).filter((t) => BigInt(t.number) > from && BigInt(t.number) <= to);
    expect(seen.map((t) => BigInt(t.number))).toEqual(
      Array.from({ length: Number(to - from) }, (_, i) => from + 1n + BigInt(i)),
    );
    expect(seen.flatMap((t) => t.lateGameIds)).toEqual([]);
    await waitUntil("the game's reports up to the last tick", () => reports.has(to - 1n));
    for (let n = from; n < to; n++) {
      expect(reports.get(n)?.result, `completeTick(${n})`).toMatchObject({ data: { completeTick: true } });
    }
    // Held back until the report, and no longer: well within the barrier.
    const held = seen.find((t) => BigInt(t.number) === slow + 1n)!;
    const reported = reports.get(slow)!.sentAt;
    expect(Date.parse(held.startedAt)).toBeGreaterThanOrEqual(reported - 1); // startedAt: whole ms
    expect(Date.parse(held.startedAt) - reported).toBeLessThan(barrierMs / 2);
    expect(held.waitedMs).toBeGreaterThan(0);
    expect(held.waitedMs).toBeLessThan(barrierMs / 2);
    // The others, reported at once, were not held back for the barrier.
    expect(seen.filter((t) => t !== held).every((t) => t.waitedMs < barrierMs / 2)).toBe(true);
  }
}
