/**
 * The one rule for a suite whose service or browser is missing. On a developer's machine the
 * suite steps aside with a loud warning, so `npm test` still runs without Redis or Chromium.
 * In CI (`CI` set, as `.ci/run` runs) nothing may step aside: the missing piece fails the run,
 * so a green CI means every suite ran against the real thing.
 */

/** True when running in CI: `CI` is set to anything but "", "0" or "false". */
export const inCI = (): boolean => !["", "0", "false"].includes((process.env["CI"] ?? "").toLowerCase());

/**
 * `problem` is why `what` cannot be used (null: it can). Returns true when the caller should
 * skip or fall back (a warning is printed); in CI throws instead, failing the run.
 */
export function unavailable(what: string, problem: string | null): boolean {
  if (problem === null) return false;
  if (inCI()) throw new Error(`CI needs ${what}, and it is not available: ${problem}`);
  console.warn(`\n!!! ${what} is not available (${problem}): the suites that need it are SKIPPED or fall back.\n`);
  return true;
}
