// Percentiles and medians over plain lists of numbers.

/** The `q` quantile (0–1) of an ascending list; NaN for an empty one. */
export const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** The median of a list in any order; NaN for an empty one. */
export const median = (xs: readonly number[]): number =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50, p99 and max of a list in any order. */
export function summarize(xs: readonly number[]): Summary {
  const s = Float64Array.from(xs).sort();
  return {
    n: s.length,
    p50: quantile(s as unknown as number[], 0.5),
    p99: quantile(s as unknown as number[], 0.99),
    max: s.length ? s[s.length - 1]! : NaN,
  };
}

/** Wall-clock time in ms with sub-ms resolution, comparable across processes on one machine. */
export const wallClock = (): number => performance.timeOrigin + performance.now();
