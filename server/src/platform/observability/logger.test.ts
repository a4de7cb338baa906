import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

/** A logger whose lines are kept, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger("info", sink), lines };
}

describe("logged errors", () => {
  it("are one line with the error's type, message, code, cause and where it was thrown, never its stack", () => {
    const { logger, lines } = capture();
    const cause = Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
    logger.error({ err: new TypeError("lookup failed", { cause }) }, "failed");
    expect(lines).toHaveLength(1);
    const err = lines[0]!["err"] as Record<string, unknown>;
    expect(err).toEqual({
      type: "TypeError",
      message: "lookup failed",
      at: expect.stringMatching(/logger\.test\.ts:\d+:\d+\)?$/),
      cause: { type: "Error", message: "connection refused", code: "ECONNREFUSED", at: expect.any(String) },
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/"stack"|\\n\s+at /);
  });

  it("end a cause chain that loops", () => {
    const { logger, lines } = capture();
    const err = new Error("its own cause");
    err.cause = err;
    logger.error({ err }, "looped");
    let depth = 0;
    for (let e = lines[0]!["err"] as { cause?: unknown }; e.cause; e = e.cause as { cause?: unknown }) depth++;
    expect(depth).toBe(5);
  });
});
