// A green CI means every suite ran: with `CI` set, a missing Redis or Chromium fails the run
// instead of skipping suites (test/support/availability.ts). Runs vitest itself on one small
// file, as .ci/run would, with one service pointed at a port where nothing answers.
import { describe, expect, it } from "vitest";
import { spawnNode } from "../support/process.ts";

const VITEST = "node_modules/vitest/vitest.mjs";
const NOTHING_HERE = "redis://127.0.0.1:1";

/** Runs `vitest run file` in a child process with `env` added; resolves with its code and output. */
async function vitest(file: string, env: Record<string, string>) {
  // Drop the parent run's own vitest variables, so the child is a fresh run like `npm test`.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|CI$)/.test(k)));
  const run = spawnNode([VITEST, "run", file], { ...base, FORCE_COLOR: "0", ...(env as Record<string, string>) });
  return { code: await run.exited, output: run.output() };
}

describe("CI cannot skip silently", { timeout: 120_000 }, () => {
  it("fails the run when Redis does not answer and CI is set", async () => {
    const r = await vitest("test/api/smoke.test.ts", { CI: "true", TEST_REDIS_URL: NOTHING_HERE });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      `CI needs Redis (TEST_REDIS_URL), and it is not available: nothing answers at ${NOTHING_HERE}`,
    );
  });

  it("outside CI the same run skips what needs Redis, says so, and passes", async () => {
    const r = await vitest("test/api/smoke.test.ts", { TEST_REDIS_URL: NOTHING_HERE });
    expect(r.output).toContain("Redis (TEST_REDIS_URL) is not available");
    expect(r.code).toBe(0);
  });

  it("fails the run when Chromium cannot start and CI is set", async () => {
    const r = await vitest("test/admin/console.test.ts", { CI: "true", CHROMIUM_PATH: "/nonexistent/chromium" });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      "CI needs Chromium (CHROMIUM_PATH) for the admin console tests, and it is not available",
    );
  });
});
