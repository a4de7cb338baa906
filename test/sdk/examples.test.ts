// The README's quickstart and the example bot, run as a developer would run them: their own
// Node process, importing "@multiverse/sdk", against a real server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outputLines, spawnNode, type ServerProcess } from "../support/process.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

type Run = ServerProcess;

/** Runs `file` the way `npm run example:bot` does (the SDK's TypeScript sources, through tsx). */
function run(file: string, env: Record<string, string>): Run {
  return spawnNode(["--conditions=multiverse-source", "--import", "tsx", file], {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "",
    ...env,
  });
}

describe("SDK examples", () => {
  let s: TestServer;
  const runs: Run[] = [];
  const start = (file: string, env: Record<string, string>) => {
    const r = run(file, env);
    runs.push(r);
    return r;
  };

  beforeAll(async () => {
    // A fast tick, so the bot's game (tickEvery 10) ticks a few times while it runs.
    s = await startTestServer({ TICK_HZ: "20" });
  });
  afterAll(async () => {
    for (const r of runs) r.child.kill("SIGTERM");
    await Promise.all(runs.map((r) => r.exited));
    await s?.stop();
  });

  it("the README's quickstart registers a game and watches its room's occupants", async () => {
    const quickstart = start("sdk/examples/snippets/quickstart.ts", {
      MULTIVERSE_URL: `${s.url}/graphql`,
      MULTIVERSE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    });
    await quickstart.waitFor(/JOINED Ada\n/);
    quickstart.child.kill("SIGTERM"); // it watches until stopped
    expect(outputLines(quickstart.output())).toEqual(["snapshot", "JOINED Ada", ""]);
  });

  it("the bot runs its rounds and prints occupants, ticks and events", async () => {
    const bot = start("sdk/examples/bot.ts", {
      MULTIVERSE_URL: s.url,
      MULTIVERSE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      BOT_ROUNDS: "5",
    });
    expect(await bot.exited).toBe(0);
    const out = bot.output();
    expect(out).toMatch(/occupants v\d+ snapshot: \(nobody\)/);
    expect(out).toMatch(/occupants v\d+ JOINED Ada \(MOVED\): Ada\n/);
    expect(out).toMatch(/occupants v\d+ JOINED Margaret \(MOVED\): Ada, Grace, Linus, Margaret\n/);
    expect(out).toMatch(/occupants v\d+ LEFT Ada \(MOVED\): Grace, Linus, Margaret\n/);
    expect(out).toMatch(/event +#\d+ bot\.enter from bot-\w+ \{"round":0,"player":"Ada"\}/);
    expect(out).toMatch(/event +#\d+ bot\.leave from bot-\w+/);
    expect(out).toMatch(/tick +#\d+ \(/);
    expect(out).toMatch(/done: game bot-\w+ unregistered/);
  }, 60_000);

  it("two players talk in a room over the SDK: each hears the hall's lines and the whisper for it, the cellar nothing", async () => {
    const chat = start("sdk/examples/room-chat.ts", {
      MULTIVERSE_URL: s.url,
      MULTIVERSE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    });
    expect(await chat.exited).toBe(0);
    const lines = chat.output().trimEnd().split("\n");
    expect(lines.slice(0, -1)).toEqual([
      "[Ada hears] Ada says: Evening, Brook. Quiet night?",
      "[Ada hears] Brook says: Quiet enough. The cellar door's been rattling, though.",
      "[Ada hears] Ada whispers: Cy went down there an hour ago.",
      "[Ada hears] the tavern says: Last orders!",
      "[Ada hears] Brook says: Then one more, and we go and look.",
      "[Brook hears] Ada says: Evening, Brook. Quiet night?",
      "[Brook hears] Brook says: Quiet enough. The cellar door's been rattling, though.",
      "[Brook hears] Ada whispers: Cy went down there an hour ago.",
      "[Brook hears] the tavern says: Last orders!",
      "[Brook hears] Brook says: Then one more, and we go and look.",
      "[Cy hears] nothing (in the cellar)",
    ]);
    expect(lines.at(-1)).toMatch(/^done: game tavern-\w+ unregistered$/);
  }, 60_000);

  it("the bot says what it needs when the admin token is missing or refused", async () => {
    const noToken = start("sdk/examples/bot.ts", { MULTIVERSE_URL: s.url });
    expect(await noToken.exited).toBe(2);
    expect(noToken.output()).toMatch(/needs the server's admin token in MULTIVERSE_ADMIN_TOKEN/);
    const wrongToken = start("sdk/examples/bot.ts", { MULTIVERSE_URL: s.url, MULTIVERSE_ADMIN_TOKEN: "not-the-token" });
    expect(await wrongToken.exited).toBe(1);
    expect(wrongToken.output()).toMatch(/refused MULTIVERSE_ADMIN_TOKEN/);
  });
});
