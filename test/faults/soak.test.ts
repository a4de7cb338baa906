// `npm run soak` as CI runs it (issue 12, item 7): a short run of the mixed load with two fault
// rounds, as its own process, as the lead runs the 30-minute one. It asserts what must hold
// whatever the machine: nothing lost, nothing duplicated, presence right, every outage seen on
// /readyz. Not time, not memory: a short run on a shared machine says nothing about either.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { SoakResult } from "../../soak/run.ts";
import { canCluster } from "../support/cluster.ts";
import { spawnNode } from "../support/process.ts";

describe.skipIf(!canCluster())("npm run soak, short", () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("40 s with two rounds of Redis and Postgres restarts: 0 lost, 0 duplicated; it prints the figures", async () => {
    dir = await mkdtemp(join(tmpdir(), "soak-"));
    const out = join(dir, "result.json");
    const args = ["--seconds", "40", "--warmup", "8", "--fault-every", "15", "--outage", "3", "--out", out];
    const proc = spawnNode(["--import", "tsx", "soak/main.ts", ...args], {
      PATH: process.env["PATH"] ?? "",
      SOAK_DATABASE_URL: inject("postgresUrl"),
    });
    const code = await proc.exited;
    expect(code, proc.output()).toBe(0);
    expect(proc.output()).toMatch(/events acknowledged \d+/);
    expect(proc.output()).toMatch(/node 1 RSS .* after warm-up, .* at the end/);
    const r = JSON.parse(await readFile(out, "utf8")) as SoakResult;
    expect(r.outages.map((o) => o.kind)).toEqual(["redis", "postgres", "redis", "postgres"]);
    expect(r.outages.every((o) => o.reported.every(Boolean))).toBe(true);
    expect(r.figures.acknowledged).toBeGreaterThan(0);
    expect({ lost: r.lost, duplicated: r.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(r.figures.stored.rows).toBe(r.figures.acknowledged);
    expect(r.figures.received.perSubscriber).toEqual(
      r.figures.received.perSubscriber.map(() => r.figures.acknowledged),
    );
    expect(r.figures.presence).toMatchObject({ onlineNotConnected: 0, connectedNotOnline: 0 });
    expect(r.figures.unexpectedErrors).toEqual({});
  }, 150_000);
});
