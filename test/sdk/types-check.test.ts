// The SDK's type tests (types.test.ts) hold: tsc checks that file, whose `expectTypeOf` calls
// only fail at compile time, so that a wrong type fails `npm test` and not only `npm run typecheck`.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const TSC = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc");
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("SDK types", () => {
  // tsc over the SDK's sources takes a few seconds of CPU, more on a busy machine.
  it("test/sdk/types.test.ts type-checks: every expectTypeOf there holds", { timeout: 180_000 }, async () => {
    const run = await promisify(execFile)(
      process.execPath,
      [TSC, "--noEmit", "--pretty", "false", "-p", "test/sdk/tsconfig.types.json"],
      { cwd: ROOT },
    ).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? -1,
        output: `${err.stdout ?? ""}${err.stderr ?? ""}`,
      }),
    );
    expect(run.output).toBe("");
    expect(run.code).toBe(0);
  });
});
