import type { Redis } from "ioredis";
import { Metrics } from "../../server/src/platform/observability/metrics.ts";
import { TickLeader } from "../../server/src/platform/realtime/tick-leader.ts";
import type { ClusterNode } from "./cluster.ts";
import type { ServerProcess } from "./process.ts";
import type { TestServer } from "./server.ts";
import { within } from "./wait.ts";

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
