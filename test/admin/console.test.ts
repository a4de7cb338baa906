// The admin console in a real browser (Debian Chromium through playwright-core) against a real
// server serving admin/dist at /admin. Every test fails on a browser console error or on any
// request to a host other than localhost/127.0.0.1 (the console bundles everything, no CDN).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createRoom, movePlayer, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const IMAGES = fileURLToPath(new URL("../../docs/images/", import.meta.url));
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Why Chromium cannot run here, or null when it can. */
async function chromiumProblem(): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium)`;
  try {
    const b = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    await b.close();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.split("\n")[0]! : String(error);
  }
}

const problem = await chromiumProblem();
if (problem) console.warn(`!!! SKIPPING the admin console browser tests: Chromium cannot run: ${problem}`);

// A browser beside the other suites on a small machine is slow: give each test room.
describe.skipIf(problem !== null)("admin console in Chromium", { timeout: 60_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  /** Problems seen by the current test: console errors, page errors, foreign requests. */
  let problems: string[];
  /** Console errors the current test expects (e.g. the 401 of a refused credential). */
  let expectedConsole: RegExp[];

  beforeAll(async () => {
    if (!existsSync(`${ROOT}admin/dist/index.html`)) {
      // npm install / npm ci build it (postinstall); build it here when someone skipped that.
      execFileSync("npm", ["run", "build", "-w", "admin"], { cwd: ROOT, stdio: "ignore" });
    }
    mkdirSync(IMAGES, { recursive: true });
    s = await startTestServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  beforeEach(async () => {
    problems = [];
    expectedConsole = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error" && !expectedConsole.some((re) => re.test(msg.text()))) {
        problems.push(`console error: ${msg.text()}`);
      }
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    const checkHost = (url: string) => {
      const u = new URL(url);
      if (["http:", "https:", "ws:", "wss:"].includes(u.protocol) && !LOCAL_HOSTS.has(u.hostname)) {
        problems.push(`request to a foreign host: ${url}`);
      }
    };
    page.on("request", (req) => checkHost(req.url()));
    page.on("websocket", (ws) => checkHost(ws.url()));
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail")
      console.error(`page at failure (${page.url()}):`, await page.locator("main").innerText());
    await page?.context().close();
    expect(problems).toEqual([]);
  });

  async function signIn(credential = TEST_ADMIN_TOKEN, server: TestServer = s): Promise<void> {
    await page.goto(`${server.url}/admin/`);
    await page.getByLabel("Admin token or developer key").fill(credential);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  it("signs in with the admin token and shows live universe counts", async () => {
    await page.goto(`${s.url}/admin/`);
    await page.getByLabel("Admin token or developer key").waitFor();
    await page.screenshot({ path: `${IMAGES}admin-sign-in.png` });
    await signIn();
    await expect.poll(() => page.getByTestId("connection-status").textContent()).toBe("connected");
    await page.getByTestId("universe-games").waitFor();
    expect(await page.evaluate<string | null>(`sessionStorage.getItem("multiverse.admin.credential")`)).toBe(
      TEST_ADMIN_TOKEN,
    );
    await page.getByText("Live.").waitFor();
    await page.screenshot({ path: `${IMAGES}admin-universe.png` });
  });

  it("registers a game, shows its API key once and lists it", async () => {
    await signIn();
    await page.getByRole("link", { name: "Games" }).click();
    const form = page.getByRole("form", { name: "Register a game" });
    await form.getByLabel("Game id (slug)").fill("console-game");
    await form.getByLabel("Name", { exact: true }).fill("Console Game");
    await form.getByLabel("Developer name").fill("Console Dev");
    await form.getByLabel("First realm name").fill("Harbour");
    await form.getByLabel("Realm type").fill("coast");
    await form.getByLabel("Adjacency (cluster)").fill("west-rim");
    await form.getByLabel("Resonance (theme)").fill("tidal");
    await form.getByRole("button", { name: "Register game" }).click();
    const key = await page.getByTestId("api-key").textContent();
    expect(key).toMatch(/\S{16,}/);
    await page.getByRole("cell", { name: "Console Game" }).waitFor();
    await page.getByRole("button", { name: "Copy" }).waitFor();
    await page.screenshot({ path: `${IMAGES}admin-games.png` });
    // The key works: the game can act with it.
    const games = must(await s.gql<{ game: { id: string } }>(`{ game(id: "console-game") { id } }`, {}, key!));
    expect(games.game.id).toBe("console-game");
  });

  it("watches a room update live while players move through the API", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "room-watch-game", { developerName: "Room Dev" });
    const lobby = await createRoom(s, g.apiKey, g.realmId, "Lobby");
    const hall = await createRoom(s, g.apiKey, g.realmId, "Hall");
    const alice = await upsertPlayer(s, g.apiKey, "alice");
    const bob = await upsertPlayer(s, g.apiKey, "bob");
    // The game's heartbeat vouches for both players, so they are online (a room lists online players).
    must(await s.gql(`mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids: [alice, bob] }, g.apiKey));
    must(await movePlayer(s, g.apiKey, alice, lobby));

    await signIn();
    await page.getByRole("link", { name: "Room" }).click();
    await page.getByLabel("Room id").fill(lobby);
    await page.getByRole("button", { name: "Watch" }).click();
    const occupants = page.getByTestId("occupants");
    await occupants.getByText("Player alice").waitFor(); // the snapshot
    const url = page.url();

    must(await movePlayer(s, g.apiKey, bob, lobby));
    await occupants.getByText("Player bob").waitFor();
    must(await movePlayer(s, g.apiKey, alice, hall));
    await expect.poll(() => occupants.getByText("Player alice").count()).toBe(0);
    await occupants.getByText("Player bob").waitFor();
    expect(page.url()).toBe(url); // no reload, no navigation
    await page.screenshot({ path: `${IMAGES}admin-room.png` });
  });

  it("says clearly that a bad token was refused", async () => {
    // The API answers a refused credential with HTTP 401; the browser logs that response.
    expectedConsole = [/status of 401/];
    await signIn("not-a-real-token");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("UNAUTHENTICATED");
    await page.getByText("The API refused this credential.").waitFor();
    expect(await page.evaluate<string | null>(`sessionStorage.getItem("multiverse.admin.credential")`)).toBeNull();
    await page.screenshot({ path: `${IMAGES}admin-bad-token.png` });
  });

  it("streams events published through the API", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "events-game", { developerName: "Events Dev" });
    await signIn();
    await page.getByRole("link", { name: "Events" }).click();
    await page.getByText("Loading the live event stream").waitFor();
    // Published by the game through the API: the console's live stream shows it.
    must(
      await s.gql(`mutation { publishEvent(input: { type: "trade.offer", data: { gold: 5 } }) { seq } }`, {}, g.apiKey),
    );
    await page.getByTestId("events").getByText("trade.offer").waitFor();
    await page.screenshot({ path: `${IMAGES}admin-events.png` });
  });

  it("publishes an event from the form, routed by realm, and shows it in the live stream", async () => {
    await registerGame(s, TEST_ADMIN_TOKEN, "form-target", { developerName: "Form Dev" });
    await signIn();
    await page.getByRole("link", { name: "Events" }).click();
    await page
      .getByText("Loading the live event stream")
      .waitFor({ state: "detached" })
      .catch(() => undefined);
    const form = page.getByRole("form", { name: "Publish an event" });
    await form.getByLabel("Type", { exact: true }).fill("form.hello");
    await form.getByLabel("Realm realmType").fill("forest");
    await form.getByLabel("Data (JSON)").fill('{ "from": "the form" }');
    await form.getByRole("button", { name: "Publish" }).click();
    await page.getByRole("status").getByText("form.hello").waitFor();
    await page.getByTestId("events").getByText("form.hello").waitFor();
    // Stored as routed by the selector: form-target has a forest realm (the fixture's realm).
    const stored = must(
      await s.gql<{ events: { nodes: { type: string; recipientGameIds: string[]; data: unknown }[] } }>(
        `{ events(first: 500, type: "form.hello") { nodes { type recipientGameIds data } } }`,
        {},
        TEST_ADMIN_TOKEN,
      ),
    );
    expect(stored.events.nodes).toHaveLength(1);
    expect(stored.events.nodes[0]!.recipientGameIds).toContain("form-target");
    expect(stored.events.nodes[0]!.data).toEqual({ from: "the form" });
    // Bad JSON is refused in the form, before anything is sent.
    await form.getByLabel("Data (JSON)").fill("{ not json");
    await form.getByRole("button", { name: "Publish" }).click();
    await page.getByText("BAD_JSON").waitFor();
  });

  it("opens the bundled GraphiQL", { timeout: 90_000 }, async () => {
    await signIn();
    const isGraphQL = (r: { url(): string; request(): { postData(): string | null } }, text: string) =>
      r.url().endsWith("/graphql") && (r.request().postData() ?? "").includes(text);
    const introspected = page.waitForResponse((r) => isGraphQL(r, "__schema"), { timeout: 60_000 });
    await page.getByRole("link", { name: "GraphiQL" }).click();
    await introspected;
    await page.locator(".graphiql-container").waitFor({ timeout: 60_000 });
    // Under load the editors may still be settling when the first click lands: click until the
    // query is sent (never again after that: a second click would stop the running query).
    const answered = page.waitForResponse((r) => isGraphQL(r, "universe"), { timeout: 60_000 });
    answered.catch(() => undefined); // awaited below
    await vi.waitFor(
      async () => {
        const sent = page.waitForRequest(
          (r) => r.url().endsWith("/graphql") && (r.postData() ?? "").includes("universe"),
          {
            timeout: 5_000,
          },
        );
        await page.getByRole("button", { name: /execute query/i }).click();
        await sent;
      },
      { timeout: 60_000, interval: 100 },
    );
    const response = await answered;
    // Sent with the signed-in credential, answered with data.
    expect(response.request().headers()["authorization"]).toBe(`Bearer ${TEST_ADMIN_TOKEN}`);
    expect(((await response.json()) as { data?: { universe?: unknown } }).data?.universe).toBeTruthy();
    await expect
      .poll(() => page.locator(".graphiql-response").innerText(), { timeout: 30_000 })
      .toContain("currentTick");
    await page.screenshot({ path: `${IMAGES}admin-graphiql.png` });
  });

  it("charts tick duration and events per tick from the ticks subscription", async () => {
    const ticking = await startTestServer({ TICK_HZ: "20" });
    try {
      await signIn(TEST_ADMIN_TOKEN, ticking);
      const chart = page.getByTestId("tick-chart");
      await chart.waitFor();
      await expect.poll(async () => Number(await chart.getAttribute("data-points"))).toBeGreaterThanOrEqual(2);
      // Two lines (duration, events), each with at least two points.
      const paths = await chart.locator("path").evaluateAll((els) => els.map((e) => e.getAttribute("d") ?? ""));
      expect(paths).toHaveLength(2);
      for (const d of paths) expect(d.match(/[ML]/g)!.length).toBeGreaterThanOrEqual(2);
      await page.screenshot({ path: `${IMAGES}admin-universe-ticks.png` });
    } finally {
      await page.context().close();
      await ticking.stop();
    }
  });

  it("pauses and resumes a game from the table", async () => {
    await registerGame(s, TEST_ADMIN_TOKEN, "pause-game", { developerName: "Pause Dev" });
    await signIn();
    await page.getByRole("link", { name: "Games" }).click();
    const status = page.getByTestId("status-pause-game");
    await expect.poll(() => status.textContent()).toBe("ACTIVE");
    await page.getByRole("button", { name: "Pause pause-game" }).click();
    await expect.poll(() => status.textContent()).toBe("PAUSED");
    const game = must(
      await s.gql<{ game: { status: string } }>(`{ game(id: "pause-game") { status } }`, {}, TEST_ADMIN_TOKEN),
    );
    expect(game.game.status).toBe("PAUSED");
    await page.getByRole("button", { name: "Resume pause-game" }).click();
    await expect.poll(() => status.textContent()).toBe("ACTIVE");
    await page.getByRole("button", { name: "Rotate key of pause-game" }).click();
    expect(await page.getByTestId("api-key").textContent()).toMatch(/\S{16,}/);
    await page.getByRole("button", { name: "Unregister pause-game" }).click();
    await page.getByRole("group", { name: "Confirm unregistering pause-game" }).waitFor();
    await page.screenshot({ path: `${IMAGES}admin-games-actions.png` });
    await page.getByRole("button", { name: "Cancel" }).click();
  });

  it("shows a game's realms, rooms, players and events", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "detail-game", { developerName: "Detail Dev" });
    const plaza = await createRoom(s, g.apiKey, g.realmId, "Plaza");
    await upsertPlayer(s, g.apiKey, "carol");
    must(await s.gql(`mutation { publishEvent(input: { type: "detail.hello", data: {} }) { seq } }`, {}, g.apiKey));
    await signIn();
    await page.getByRole("link", { name: "Games" }).click();
    await page.getByRole("link", { name: "detail-game" }).click();
    await page.getByTestId("realm").first().waitFor();
    await page.getByRole("link", { name: "Room Plaza" }).waitFor();
    await page.getByRole("cell", { name: "carol" }).waitFor();
    await page.getByText("detail.hello").waitFor();
    await page.screenshot({ path: `${IMAGES}admin-game-detail.png` });
    await page.getByRole("link", { name: "Room Plaza" }).click();
    await expect.poll(() => page.getByLabel("Room id").inputValue()).toBe(plaza);
  });

  it("shows a player coming online in the Presence view without a reload", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "presence-game", { developerName: "Presence Dev" });
    await signIn();
    await expect.poll(() => page.getByTestId("connection-status").textContent()).toBe("connected");
    await page.getByRole("link", { name: "Presence" }).click();
    await page.getByLabel("Game").selectOption("presence-game");
    await page.getByText("Nobody is online in this game.").waitFor();
    const url = page.url();
    // The server cannot tell us when the presence subscription is registered: bring a new player
    // online (heartbeat through the API) until one shows up live.
    let seen = false;
    for (let i = 0; i < 10 && !seen; i++) {
      const id = await upsertPlayer(s, g.apiKey, `dave-${i}`);
      must(await s.gql(`mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids: [id] }, g.apiKey));
      seen = await page
        .getByTestId("presence-online")
        .getByText(id, { exact: false })
        .waitFor({ timeout: 3_000 })
        .then(
          () => true,
          () => false,
        );
    }
    expect(seen).toBe(true);
    expect(page.url()).toBe(url);
    await page.screenshot({ path: `${IMAGES}admin-presence.png` });
  });

  it("replays the event log from a seq and pauses the live list", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "replay-game", { developerName: "Replay Dev" });
    must(await s.gql(`mutation { publishEvent(input: { type: "replay.before", data: {} }) { seq } }`, {}, g.apiKey));
    await signIn();
    await page.getByRole("link", { name: "Events" }).click();
    await page.getByLabel("Replay from seq").fill("0");
    await page.getByRole("button", { name: "Replay" }).click();
    const events = page.getByTestId("events");
    await events.getByText("replay.before").waitFor(); // published before the view opened
    await page.getByRole("button", { name: "Pause list" }).click();
    await page.getByText("The list is paused").waitFor();
    must(await s.gql(`mutation { publishEvent(input: { type: "replay.after", data: {} }) { seq } }`, {}, g.apiKey));
    await page.getByRole("button", { name: "Resume list" }).click();
    await events.getByText("replay.after").waitFor();
  });
});
