// What every scenario gets from the driver (bench/main.ts) and what it gives back: rows of the
// one table, and raw figures for bench/results/latest.json.

export interface BenchOptions {
  /** A short smoke run: small N, short phases, one run; asserts nothing about time. */
  quick: boolean;
  /** Measured runs per figure (the figure is their median). */
  runs: number;
  /** Whether --runs was given (else scenarios may run their slowest point fewer times). */
  runsGiven: boolean;
}

export interface Row {
  scenario: string;
  figure: string;
  value: number | null;
  unit: string;
  baseline?: { name: string; value: number | null };
  /** value / baseline. */
  ratio?: number | null;
  /** e.g. "≤ 1.5x raw ws", "≥ 3000/s". */
  target?: string;
  met?: boolean | null;
  note?: string;
}

export interface ScenarioContext {
  opts: BenchOptions;
  /** Adds a row to the table. */
  row(r: Row): void;
  /** Raw figures kept in latest.json under the scenario's name. */
  raw: Record<string, unknown>;
  /** A progress line on stderr. */
  log(message: string): void;
}

export interface Scenario {
  name: string;
  /** One line: what it measures. */
  title: string;
  run(ctx: ScenarioContext): Promise<void>;
}

/** value / baseline, or null when either is missing or the baseline is 0. */
export const ratio = (value: number | null, baseline: number | null): number | null =>
  value === null || baseline === null || !Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0
    ? null
    : value / baseline;

/** A ratio target: `value / baseline` at most (`le`) or at least (`ge`) `x`. */
export function ratioRow(
  r: Omit<Row, "ratio" | "met" | "target">,
  target?: { le?: number; ge?: number; label: string },
): Row {
  const q = ratio(r.value, r.baseline?.value ?? null);
  const met =
    target === undefined || q === null
      ? target === undefined
        ? undefined
        : null
      : target.le !== undefined
        ? q <= target.le
        : q >= target.ge!;
  return { ...r, ratio: q, ...(target ? { target: target.label, met } : {}) };
}

/** An absolute target: `value` at most (`le`) or at least (`ge`) `x`. */
export function absoluteRow(r: Omit<Row, "met" | "target">, target: { le?: number; ge?: number; label: string }): Row {
  const met =
    r.value === null || !Number.isFinite(r.value)
      ? null
      : target.le !== undefined
        ? r.value <= target.le
        : r.value >= target.ge!;
  return { ...r, target: target.label, met };
}

/** A count that must be exactly 0 (lost or repeated deliveries, errors); a negative one is a fault too. */
export const zeroRow = (r: Omit<Row, "met" | "target">): Row => ({
  ...r,
  target: "0",
  met: r.value === null ? null : r.value === 0,
});
