// The benchmark suite still runs: `npm run bench -- --quick --only two-nodes` (a short smoke
// run: two clusters, load workers, a broadcast to graphql-ws subscribers, publish load, the
// Redis floor) exits 0 and writes its results, every event delivered once. Nothing about time
// is asserted: speed is what bench/ measures, not what tests check.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "bench-quick-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  scenario: string;
  figure: string;
  value: number | null;
}

it("npm run bench -- --quick --only two-nodes runs to the end, every event delivered once", async () => {
  const out = join(dir, "results.json");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "bench/main.ts", "--quick", "--only", "two-nodes", "--out", out],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  expect(code, output).toBe(0);
  expect(output).toContain("| two nodes (N=200) | fan-out rate, 2 nodes |");

  const results = JSON.parse(readFileSync(out, "utf8")) as { rows: Row[]; options: { quick: boolean } };
  expect(results.options.quick).toBe(true);
  const value = (figure: string) => results.rows.find((r) => r.figure === figure)?.value;
  expect(results.rows.filter((r) => r.figure === "failed")).toEqual([]);
  expect(value("lost deliveries, 2 nodes")).toBe(0);
  expect(value("repeated or out-of-order deliveries, 2 nodes")).toBe(0);
  expect(value("fan-out rate, 2 nodes")).toBeGreaterThan(0);
  expect(value("publishEvent rate, 2 nodes (32 callers)")).toBeGreaterThan(0);
}, 240_000);
