// Closed-loop HTTP load from the workers: C callers in all, spread over the pool, each calling
// again as soon as its answer arrives. Used for /healthz (the HTTP floor) and the mutations.
import type { WorkerPool } from "../load/pool.ts";
import type { HttpRequestTemplate } from "../load/protocol.ts";
import { median, summarize } from "./stats.ts";

export interface RateFigures {
  /** Successful calls per second. */
  rate: number;
  p50: number;
  p99: number;
  failed: number;
  firstError?: string;
}

let round = 0;

/** One measurement: `concurrency` callers for `durationMs` after `warmupMs`; worker i calls `base[i mod n]`. */
export async function httpRate(
  pool: WorkerPool,
  base: string | string[],
  request: HttpRequestTemplate,
  o: { concurrency: number; warmupMs: number; durationMs: number },
): Promise<RateFigures> {
  round++;
  const per = Math.ceil(o.concurrency / pool.size);
  const bases = Array.isArray(base) ? base : [base];
  const parts = await pool.all("http", (w) => ({
    base: bases[w.index % bases.length]!,
    request,
    concurrency: Math.max(0, Math.min(per, o.concurrency - w.index * per)),
    warmupMs: o.warmupMs,
    durationMs: o.durationMs,
    idPrefix: `r${round}w${w.index}-`,
  }));
  const latencies = parts.flatMap((p) => p.latencies);
  const s = summarize(latencies);
  const elapsed = Math.max(...parts.map((p) => p.elapsedMs));
  const failed = parts.reduce((n, p) => n + p.failed, 0);
  const firstError = parts.find((p) => p.firstError)?.firstError;
  return {
    rate: (parts.reduce((n, p) => n + p.ok, 0) / elapsed) * 1000,
    p50: s.p50,
    p99: s.p99,
    failed,
    ...(firstError ? { firstError } : {}),
  };
}

/** The median of each figure over runs. */
export function medianOf(runs: RateFigures[]): RateFigures {
  const firstError = runs.find((r) => r.firstError)?.firstError;
  return {
    rate: median(runs.map((r) => r.rate)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    failed: runs.reduce((n, r) => n + r.failed, 0),
    ...(firstError ? { firstError } : {}),
  };
}

export const HEALTHZ: HttpRequestTemplate = { method: "GET", path: "/healthz" };

/** The phases of a rate measurement: quick runs are short. */
export const phases = (quick: boolean) =>
  quick
    ? { concurrency: 32, warmupMs: 500, durationMs: 2_000 }
    : { concurrency: 32, warmupMs: 2_000, durationMs: 10_000 };
