// `npm run demo` as a user runs it: its own Node process with the embedded server in memory,
// three games and their bots; with --ticks it stops by itself, without it a signal stops it.
import { afterAll, describe, expect, it } from "vitest";
import { gql } from "../support/graphql.ts";
import { ensureAdminConsoleBuilt, spawnNode, type ServerProcess } from "../support/process.ts";

const GAMES = ["space-chess", "tavern", "forest"];

/** Runs the demo as `npm run demo -- …args` does, on a free port, with a fast tick. */
function runDemo(args: string[], runs: ServerProcess[]): ServerProcess {
  const demo = spawnNode(["--conditions=multiverse-source", "--import", "tsx", "demo/main.ts", ...args], {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "",
    PORT: "0",
    TICK_HZ: "50",
  });
  runs.push(demo);
  return demo;
}

/** The summary's lines, by their label (`ticks`, `events`, …, a game's id). */
function summary(output: string): Map<string, string> {
  const [, after] = output.split("\nDemo summary\n");
  expect(after, `no summary in the output:\n${output}`).toBeDefined();
  return new Map([...after!.matchAll(/^ {2}(\S+) +(.+)$/gm)].map(([, label, text]) => [label!, text!]));
}

/** The number a summary line starts with. */
const count = (line: string | undefined) => Number(/^(\d+)/.exec(line ?? "")?.[1]);

describe("the demo (npm run demo)", { timeout: 120_000 }, () => {
  const runs: ServerProcess[] = [];
  afterAll(async () => {
    for (const r of runs) r.child.kill("SIGKILL");
    await Promise.all(runs.map((r) => r.exited));
  });

  it("--ticks N runs N control ticks, then exits 0 with its summary", async () => {
    const demo = runDemo(["--ticks", "30"], runs);
    expect(await demo.exited, demo.output()).toBe(0);
    const out = demo.output();
    expect(out).toMatch(/GraphQL\s+http:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(out).toMatch(/Admin token\s+\S+/);
    // The bots' first words, in their rooms, as the narrator (the admin's events) printed them.
    expect(out).toMatch(/tavern\s+\[Common Room\] Bram: Evening, all\./);
    expect(out).toMatch(/forest\s+\[Brook\] Ash: Morning dew, friends\./);

    const s = summary(out);
    expect(s.get("ticks")).toMatch(/^30 \(control ticks #\d+ to #\d+\)$/);
    // At least the twelve greetings, each heard by its speaker and the bot next to it.
    expect(count(s.get("events"))).toBeGreaterThanOrEqual(12);
    expect(s.get("events")).toMatch(/by players \(.*chat\.say \d+/);
    expect(count(s.get("messages"))).toBeGreaterThanOrEqual(24);
    expect(s.get("players")).toMatch(/^12 bots in 3 games, \d+ moves$/);
    for (const game of GAMES) expect(s.get(game)).toMatch(/^4 players, \d+ events, \d+ messages, \d+ moves$/);
    expect(s.get("failures")).toBe("0");
  });

  it("without --ticks it runs, serves the console, and stops cleanly on SIGINT with its summary", async () => {
    ensureAdminConsoleBuilt();
    const demo = runDemo(["--quiet"], runs);
    const [, url] = await demo.waitFor(/GraphQL\s+(http:\/\/\S+)\/graphql/, 90_000);
    const [, token] = await demo.waitFor(/Admin token\s+(\S+)/);
    await demo.waitFor(/The bots are playing\. Ctrl-C stops the demo/, 60_000);
    const page = await fetch(`${url}/admin`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    // What the console's universe view shows: the three games and their twelve players online.
    const universe = await gql<{ universe: Record<string, unknown> }>(
      url!,
      "{ universe { games rooms players playersOnline } }",
      {},
      token,
    );
    expect(universe.data?.universe).toEqual({ games: 3, rooms: 9, players: 12, playersOnline: 12 });

    demo.child.kill("SIGINT");
    expect(await demo.exited, demo.output()).toBe(0);
    const s = summary(demo.output());
    expect(count(s.get("ticks"))).toBeGreaterThan(0);
    expect(s.get("players")).toMatch(/^12 bots in 3 games/);
    expect(s.get("failures")).toBe("0");
    // --quiet: the banner and the summary, no running commentary.
    expect(demo.output()).not.toMatch(/Bram: /);
  });

  it("refuses a bad --ticks with its usage (exit 2)", async () => {
    const demo = runDemo(["--ticks", "none"], runs);
    expect(await demo.exited).toBe(2);
    expect(demo.output()).toMatch(/--ticks must be a whole number of ticks, 1 or more \(got "none"\)/);
    expect(demo.output()).toMatch(/npm run demo \[-- \[--ticks N\]/);
  });
});
