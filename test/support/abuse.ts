// What the abuse suite (test/abuse/) asserts besides each refusal: that a normal client keeps
// working meanwhile, its latency within a bound read from a baseline taken in the same test, and
// the server's memory (its heap: the server runs in the test's process) within a budget.
import { expect } from "vitest";

/** The median of `xs`. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** How long `request` takes, in ms. */
export async function latency(request: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await request();
  return performance.now() - t0;
}

/** The median latency of `request`, run `n` times in a row. */
export async function medianLatency(request: () => Promise<unknown>, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await latency(request));
  return median(times);
}

/** Samples this process's heap every 5 ms from now on: `growth()` is its peak over the start. */
export function watchHeap(): { growth(): number; stop(): void } {
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  return { growth: () => peak - before, stop: () => clearInterval(sampler) };
}

/** The bound on a normal client's median latency during abuse: 10 × its baseline + 50 ms. */
export const latencyBound = (baselineMs: number): number => baselineMs * 10 + 50;

/**
 * Runs `abuse` `parallel` times at once (default 8) while `normal` (a normal client's request,
 * which asserts its own answer) runs 20 times in a row: `normal`'s median latency must stay
 * within `latencyBound` of its median over 20 runs just before, and the heap must grow by less
 * than `memoryBudgetBytes`.
 */
export async function underAbuse(
  normal: () => Promise<unknown>,
  abuse: () => Promise<unknown>,
  { memoryBudgetBytes, parallel = 8 }: { memoryBudgetBytes: number; parallel?: number },
): Promise<void> {
  const baseline = await medianLatency(normal, 20);
  const heap = watchHeap();
  try {
    const [during] = await Promise.all([medianLatency(normal, 20), ...Array.from({ length: parallel }, () => abuse())]);
    expect(during, `normal latency ${during} ms against a baseline of ${baseline} ms`).toBeLessThan(
      latencyBound(baseline),
    );
  } finally {
    heap.stop();
  }
  expect(heap.growth(), "heap growth during the abuse").toBeLessThan(memoryBudgetBytes);
}
