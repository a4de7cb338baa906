// One fan-out measurement, shared by the fanout and two-node scenarios: N subscribers held by
// load workers, events published `gapMs` apart with their send time in the data, and every
// delivery's publish-to-receive latency. The same steps run against Multiverse and every peer.
import type { WorkerPool } from "../load/pool.ts";
import type { ConnectArgs } from "../load/protocol.ts";
import { sleep } from "./processes.ts";
import { median, summarize, wallClock } from "./stats.ts";

export interface BroadcastTarget {
  name: string;
  /** The connect command for `count` more subscribers, the `offset`-th onwards, held by worker `worker`. */
  connectArgs(offset: number, count: number, worker: number): Omit<ConnectArgs, "localAddress">;
  /** Publishes event `i` carrying `data` (the i lets a cluster alternate nodes). */
  publish(data: { k: string; sentAt: number }, i: number): Promise<void>;
}

export interface BroadcastRun {
  p50: number;
  p99: number;
  max: number;
  /** Deliveries per second: deliveries / (last receive − first send). */
  rate: number;
  delivered: number;
  lost: number;
  /** Deliveries a subscriber got again, or out of seq order (Multiverse and the ws peers carry seq). */
  repeated: number;
  publishFailures: number;
  publishError?: string;
}

export interface BroadcastFigures {
  n: number;
  runs: BroadcastRun[];
  /** Medians of the runs. */
  p50: number;
  p99: number;
  rate: number;
  /** Lost deliveries over all runs. */
  lost: number;
  /** Repeated or out-of-order deliveries over all runs. */
  repeated: number;
  connectMs: number;
}

/** Subscribers connected so far per pool, so a target can grow from 1,000 to 10,000. */
const connectedOf = new WeakMap<WorkerPool, number>();

/** Opens subscribers until `n` are connected, in batches of `batch`, spread over the pool's workers. */
export async function growTo(pool: WorkerPool, target: BroadcastTarget, n: number, batch = 1000): Promise<number> {
  const t = performance.now();
  let have = connectedOf.get(pool) ?? 0;
  while (have < n) {
    const size = Math.min(batch, n - have);
    const per = Math.ceil(size / pool.size);
    const answers = await pool.all("connect", (w) => {
      const from = have + w.index * per;
      const count = Math.max(0, Math.min(per, have + size - from));
      return { ...target.connectArgs(from, count, w.index), count, localAddress: w.localAddress };
    });
    const failed = answers.reduce((s, a) => s + a.failed, 0);
    if (failed > 0) {
      throw new Error(
        `${target.name}: ${failed} of ${size} subscribers failed to connect: ${answers.find((a) => a.firstError)?.firstError}`,
      );
    }
    have += size;
    connectedOf.set(pool, have);
  }
  return performance.now() - t;
}

/** Waits until every worker's clients saw all `keys`; gives up after `stallMs` without progress. */
export async function awaitAll(
  pool: WorkerPool,
  keys: string[],
  opts: { stallMs: number; maxMs: number; expected?: number },
): Promise<{ complete: boolean; seen: number }> {
  const start = performance.now();
  let last = -1;
  let lastProgress = performance.now();
  for (;;) {
    const answers = await pool.all("await", () => ({ keys, timeoutMs: 1_000 }));
    const seen = answers.reduce((s, a) => s + Object.values(a.counts).reduce((x, y) => x + y, 0), 0);
    const clients = answers.reduce((s, a) => s + a.clients, 0);
    if (answers.every((a) => !a.timedOut) && (opts.expected === undefined || clients >= opts.expected)) {
      return { complete: true, seen };
    }
    if (seen !== last) {
      last = seen;
      lastProgress = performance.now();
    }
    if (performance.now() - lastProgress > opts.stallMs || performance.now() - start > opts.maxMs) {
      return { complete: false, seen };
    }
  }
}

/** Publishes probes until one reaches all `n` subscribers: from then on every one is live. */
export async function waitUntilLive(pool: WorkerPool, target: BroadcastTarget, n: number, tag: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const k = `probe:${tag}:${i}`;
    await target.publish({ k, sentAt: wallClock() }, i);
    // A slow server takes a while to reach everyone: wait as long as deliveries keep coming.
    const r = await awaitAll(pool, [k], { stallMs: 3_000, maxMs: 5_000 + 2 * n, expected: n });
    if (r.complete) {
      await pool.all("collect", () => ({ prefix: "probe:" }));
      return;
    }
  }
  const status = await pool.all("status", () => ({}));
  throw new Error(`${target.name}: not all ${n} subscribers live after 60 probes: ${JSON.stringify(status)}`);
}

/** Publishes `events` events `gapMs` apart and gathers every delivery. */
export async function broadcastRun(
  pool: WorkerPool,
  target: BroadcastTarget,
  n: number,
  tag: string,
  events: number,
  gapMs: number,
): Promise<BroadcastRun> {
  const keys = Array.from({ length: events }, (_, i) => `${tag}:${i}`);
  const repeated = async () => (await pool.all("status", () => ({}))).reduce((s, x) => s + x.duplicates, 0);
  const repeatedBefore = await repeated();
  const start = performance.now();
  let firstSent = Infinity;
  let publishError: string | undefined;
  const publishes: Promise<boolean>[] = [];
  for (let i = 0; i < events; i++) {
    const wait = start + i * gapMs - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = wallClock();
    firstSent = Math.min(firstSent, sentAt);
    publishes.push(
      target.publish({ k: keys[i]!, sentAt }, i).then(
        () => true,
        (err: unknown) => {
          publishError ??= err instanceof Error ? err.message : String(err);
          return false;
        },
      ),
    );
  }
  const publishFailures = (await Promise.all(publishes)).filter((ok) => !ok).length;
  await awaitAll(pool, keys, { stallMs: 15_000, maxMs: 300_000 });
  const parts = await pool.all("collect", () => ({ prefix: `${tag}:` }));
  const latencies = parts.flatMap((p) => p.latencies);
  const lastAt = Math.max(...parts.map((p) => p.lastAt));
  const s = summarize(latencies);
  return {
    p50: s.p50,
    p99: s.p99,
    max: s.max,
    rate: latencies.length / ((lastAt - firstSent) / 1000),
    delivered: latencies.length,
    lost: n * (events - publishFailures) - latencies.length,
    repeated: (await repeated()) - repeatedBefore,
    publishFailures,
    ...(publishError ? { publishError: publishError.slice(0, 300) } : {}),
  };
}

/**
 * For each N of `ns` (ascending): grow to N subscribers, make sure all are live, warm up, then
 * `runs` measured runs of `events` events. Returns the figures per N.
 */
export async function measureBroadcast(
  pool: WorkerPool,
  target: BroadcastTarget,
  ns: number[],
  o: { runs: number | ((n: number) => number); events: number; gapMs: number; warmup: number; log(m: string): void },
): Promise<BroadcastFigures[]> {
  const out: BroadcastFigures[] = [];
  for (const n of ns) {
    const connectMs = await growTo(pool, target, n);
    await waitUntilLive(pool, target, n, String(n));
    o.log(`${target.name}: ${n} subscribers live (connected in ${(connectMs / 1000).toFixed(1)} s)`);
    await broadcastRun(pool, target, n, `warm:${n}`, o.warmup, o.gapMs);
    const runs: BroadcastRun[] = [];
    const count = typeof o.runs === "number" ? o.runs : o.runs(n);
    for (let r = 0; r < count; r++) {
      const run = await broadcastRun(pool, target, n, `run:${n}:${r}`, o.events, o.gapMs);
      runs.push(run);
      o.log(
        `${target.name} N=${n} run ${r + 1}/${count}: p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, ` +
          `${Math.round(run.rate)} deliveries/s, lost ${run.lost}, repeated ${run.repeated}` +
          (run.publishFailures ? `; ${run.publishFailures} publishes failed: ${run.publishError}` : ""),
      );
    }
    out.push({
      n,
      runs,
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      rate: median(runs.map((r) => r.rate)),
      lost: runs.reduce((s, r) => s + r.lost, 0),
      repeated: runs.reduce((s, r) => s + r.repeated, 0),
      connectMs,
    });
  }
  return out;
}
