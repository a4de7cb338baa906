// The admin console in a real browser (Debian Chromium through playwright-core) against a real
// server serving admin/dist at /admin. Every test fails on a browser console error or on any
// request to a host other than localhost/127.0.0.1 (the console bundles everything, no CDN).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { unavailable } from "../support/availability.ts";
import { onRealPostgres } from "../support/database.ts";
import {
  createDeveloper,
  createRoom,
  issuePlayerToken,
  movePlayer,
  must,
  registerGame,
  upsertPlayer,
} from "../support/fixtures.ts";
import { ensureAdminConsoleBuilt } from "../support/process.ts";
import { restartTestServer, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

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
const IMAGES = fileURLToPath(new URL("../../docs/images/", import.meta.url));

/**
 * Takes a screenshot (so the page rendered); writes it to docs/images/NAME.png only when asked
 * (`npm run screenshots`), so a test run leaves the tracked images alone.
 */
async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const write = process.env["UPDATE_SCREENSHOTS"] === "1";
  await page.screenshot({ ...options, ...(write ? { path: `${IMAGES}${name}.png` } : {}) });
}
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
unavailable("Chromium (CHROMIUM_PATH) for the admin console tests", problem);

// A browser beside the other suites on a small machine is slow: give each test room.
describe.skipIf(problem !== null)("admin console in Chromium", { timeout: 60_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  /** Problems seen by the current test: console errors, page errors, foreign requests. */
  let problems: string[];
  /** Console errors the current test expects (e.g. the 401 of a refused credential). */
  let expectedConsole: RegExp[];
  /** Responses with an error status in the current test, printed when it fails. */
  let failedResponses: string[];

  beforeAll(async () => {
    ensureAdminConsoleBuilt();
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
    failedResponses = [];
    page.on("response", (r) => {
      if (r.status() >= 400) {
        const body = r.request().postData()?.slice(0, 300) ?? "";
        failedResponses.push(`${r.status()} ${r.request().method()} ${r.url()} ${body}`);
      }
    });
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail" || problems.length > 0) {
      console.error(`page at failure (${page.url()}):`, await page.locator("main").innerText());
      if (failedResponses.length > 0) console.error("responses with an error status:", failedResponses);
    }
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
    await screenshot(page, "admin-sign-in");
    await signIn();
    await expect.poll(() => page.getByTestId("connection-status").textContent()).toBe("connected");
    await page.getByTestId("universe-games").waitFor();
    expect(await page.evaluate<string | null>(`sessionStorage.getItem("multiverse.admin.credential")`)).toBe(
      TEST_ADMIN_TOKEN,
    );
    await page.getByText("Live.").waitFor();
    await screenshot(page, "admin-universe");
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
    await screenshot(page, "admin-games");
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
    await screenshot(page, "admin-room");
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
    await screenshot(page, "admin-bad-token");
  });

  it("streams events published through the API", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "events-game", { developerName: "Events Dev" });
    await signIn();
    await page.getByRole("link", { name: "Events" }).click();
    // The stream goes live right after the newest event it read: nothing published from here on is missed.
    await page.getByTestId("events-live").waitFor();
    // Published by the game through the API: the console's live stream shows it.
    must(
      await s.gql(`mutation { publishEvent(input: { type: "trade.offer", data: { gold: 5 } }) { seq } }`, {}, g.apiKey),
    );
    await page.getByTestId("events").getByText("trade.offer").waitFor();
    await screenshot(page, "admin-events");
  });

  it("keeps the Events view live across a server restart, without repeating an event", async (ctx) => {
    if (!onRealPostgres()) ctx.skip(); // the restarted server needs the same database
    // Attempts to reconnect while the server is down: the browser logs each failed socket.
    expectedConsole = [/WebSocket connection to .* failed/];
    let restarting = await startTestServer();
    try {
      const g = await registerGame(restarting, TEST_ADMIN_TOKEN, "restart-game", { developerName: "Restart Dev" });
      const publish = async (server: TestServer, type: string) =>
        must(
          await server.gql(
            `mutation($type: String!) { publishEvent(input: { type: $type }) { seq } }`,
            { type },
            g.apiKey,
          ),
        );
      await signIn(TEST_ADMIN_TOKEN, restarting);
      await page.getByRole("link", { name: "Events" }).click();
      await page.getByTestId("events-live").waitFor();
      const events = page.getByTestId("events");
      await publish(restarting, "restart.live"); // received live, before the restart
      await events.getByText("restart.live").waitFor();
      // Every text the pill shows from here on (a string: the tests' tsconfig has no DOM types).
      await page.evaluate(`(() => {
        const pill = document.querySelector('[data-testid="connection-status"]');
        window.pillHistory = [pill.textContent];
        new MutationObserver(() => window.pillHistory.push(pill.textContent)).observe(pill, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      })()`);

      restarting = await restartTestServer(restarting); // closes the console's socket with 1001
      await publish(restarting, "restart.after");
      await events.getByText("restart.after").waitFor();
      // A resubscribe with the first `since` would have replayed restart.live before restart.after.
      expect(await events.getByText("restart.live").count()).toBe(1);
      const history = await page.evaluate<string[]>("window.pillHistory");
      expect(history).toContain("reconnecting");
      await expect.poll(() => page.getByTestId("connection-status").textContent()).toBe("connected");
    } finally {
      await page.context().close();
      await restarting.stop();
    }
  });

  it("says idle with no live view, offline when the browser is, and offline once the credential is refused", async () => {
    const pill = page.getByTestId("connection-status");
    const dev = await createDeveloper(s, "Pill Dev");
    await signIn(dev.key);
    await page.getByRole("link", { name: "Events" }).click();
    await page.getByTestId("events-live").waitFor();
    await expect.poll(() => pill.textContent()).toBe("connected");
    // Presence without a game has no subscription: the SDK closes the socket after the last one.
    await page.getByRole("link", { name: "Presence" }).click();
    await expect.poll(() => pill.textContent()).toBe("idle");
    await page.context().setOffline(true);
    await expect.poll(() => pill.textContent()).toBe("offline");
    await page.context().setOffline(false);
    await expect.poll(() => pill.textContent()).toBe("idle");
    // The key ends while live (4011); the reconnect with it is refused (4403) and not retried.
    await page.getByRole("link", { name: "Events" }).click();
    await page.getByTestId("events-live").waitFor();
    await expect.poll(() => pill.textContent()).toBe("connected");
    must(await s.gql(`mutation($id: ID) { rotateDeveloperKey(id: $id) { key } }`, { id: dev.id }, TEST_ADMIN_TOKEN));
    await expect.poll(() => pill.textContent()).toBe("offline");
    await page.getByRole("alert").getByText("UNAUTHENTICATED").waitFor();
  });

  it("publishes an event from the form, routed by realm, and shows it in the live stream", async () => {
    await registerGame(s, TEST_ADMIN_TOKEN, "form-target", { developerName: "Form Dev" });
    await signIn();
    await page.getByRole("link", { name: "Events" }).click();
    await page.getByTestId("events-live").waitFor();
    const form = page.getByRole("form", { name: "Publish an event" });
    await form.getByLabel("Type", { exact: true }).fill("form.hello");
    await form.getByLabel("Realm realmType").fill("forest");
    await form.getByLabel("Data (JSON)").fill('{ "from": "the form" }');
    await form.getByRole("button", { name: "Publish" }).click();
    await page.getByRole("status").getByText("form.hello").waitFor();
    await page.getByTestId("events").getByText("form.hello").waitFor();
    // The row says how it was routed: the games the realm selector reached.
    const row = page.getByTestId("events").getByRole("row").filter({ hasText: "form.hello" });
    expect(await row.innerText()).toMatch(/form-target.*\(realm realmType=forest\)/);
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

  /** Request or WebSocket frame that carries `text` to the API. */
  const toGraphQL = (r: { url(): string; postData(): string | null }, text: string) =>
    r.url().endsWith("/graphql") && (r.postData() ?? "").includes(text);

  /** Opens GraphiQL and waits until it has the schema and its editors are on the page. */
  async function openGraphiQL(): Promise<void> {
    const introspected = page.waitForResponse((r) => toGraphQL(r.request(), "__schema"), { timeout: 60_000 });
    await page.getByRole("link", { name: "GraphiQL" }).click();
    await introspected;
    await page.locator(".graphiql-container").waitFor({ timeout: 60_000 });
  }

  /**
   * Clicks GraphiQL's run button until `sent` sees the operation leave. Under load the editors
   * may still be settling when the first click lands; never clicks again once it was sent (a
   * second click would stop the running operation).
   */
  async function runInGraphiQL(sent: (timeoutMs: number) => Promise<unknown>): Promise<void> {
    await vi.waitFor(
      async () => {
        const leaving = sent(5_000);
        await page.getByRole("button", { name: /execute query/i }).click();
        await leaving;
      },
      { timeout: 60_000, interval: 100 },
    );
  }

  /**
   * Replaces the text in GraphiQL's operation editor, as a user pasting it would, and waits
   * until GraphiQL has taken it in (its tab is named after the operation): run before that, it
   * would send the new text with the old operation name.
   */
  async function setGraphiQLOperation(text: string, operationName: string): Promise<void> {
    const editor = page.locator(".graphiql-query-editor .monaco-editor").first();
    await editor.click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText(text);
    // Monaco draws spaces as no-break spaces.
    const shown = async () => (await editor.locator(".view-lines").innerText()).replaceAll("\u00a0", " ");
    await expect.poll(shown).toContain(text);
    await page.locator('[aria-controls="graphiql-session"]', { hasText: operationName }).waitFor();
  }

  it("runs a query in the bundled GraphiQL with the signed-in credential", { timeout: 90_000 }, async () => {
    await signIn();
    await openGraphiQL();
    const answered = page.waitForResponse((r) => toGraphQL(r.request(), "universe"), { timeout: 60_000 });
    answered.catch(() => undefined); // awaited below
    await runInGraphiQL((timeout) => page.waitForRequest((r) => toGraphQL(r, "universe"), { timeout }));
    const response = await answered;
    // Sent with the signed-in credential, answered with data.
    expect(response.request().headers()["authorization"]).toBe(`Bearer ${TEST_ADMIN_TOKEN}`);
    expect(((await response.json()) as { data?: { universe?: unknown } }).data?.universe).toBeTruthy();
    await expect
      .poll(() => page.locator(".graphiql-response").innerText(), { timeout: 30_000 })
      .toContain("currentTick");
    await screenshot(page, "admin-graphiql");
  });

  it(
    "sends a browser opening /graphql to GraphiQL, which says why to sign in, then opens",
    { timeout: 90_000 },
    async () => {
      await page.goto(`${s.url}/graphql`);
      expect(new URL(page.url()).pathname).toBe("/admin/graphiql");
      const why = page.getByTestId("graphiql-signed-out");
      await why.waitFor();
      expect(await why.textContent()).toMatch(/Sign in with the admin token .* or a developer key to open it/);
      await screenshot(page, "admin-graphiql-signed-out");
      const introspected = page.waitForResponse((r) => toGraphQL(r.request(), "__schema"), { timeout: 60_000 });
      await page.getByLabel("Admin token or developer key").fill(TEST_ADMIN_TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await introspected;
      await page.locator(".graphiql-container").waitFor({ timeout: 60_000 });
      await screenshot(page, "admin-graphiql-signed-out");
    },
  );

  it("runs a subscription in GraphiQL over graphql-ws with the credential", { timeout: 90_000 }, async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "graphiql-sub", { developerName: "GraphiQL Dev" });
    const publish = (type: string) =>
      s.gql(
        `mutation($type: String!) { publishEvent(input: { type: $type, data: { via: "api" } }) { seq } }`,
        { type },
        g.apiKey,
      );
    // Published before the subscription starts: it arrives by replay (`since`), so the test
    // knows the subscription is live once it shows, without guessing when it was registered.
    const { eventLog } = must(
      await s.gql<{ eventLog: { lastSeq: string } }>(`{ eventLog { lastSeq } }`, {}, TEST_ADMIN_TOKEN),
    );
    must(await publish("graphiql.replayed"));
    // What each WebSocket of the page sent (the console's own socket and GraphiQL's).
    const sentBySocket = new Map<object, string[]>();
    page.on("websocket", (ws) => {
      const frames: string[] = [];
      sentBySocket.set(ws, frames);
      ws.on("framesent", (f) => frames.push(String(f.payload)));
    });
    await signIn();
    await openGraphiQL();
    await setGraphiQLOperation(
      `subscription GraphiQLEvents { events(gameId: "graphiql-sub", since: "${eventLog.lastSeq}") { seq type } }`,
      "GraphiQLEvents",
    );
    const sentFrames = () =>
      [...sentBySocket.values()].find((frames) => frames.some((f) => f.includes("GraphiQLEvents")));
    await runInGraphiQL((timeout) => vi.waitUntil(() => sentFrames(), { timeout, interval: 50 }));
    const response = page.locator(".graphiql-response");
    await expect.poll(() => response.innerText(), { timeout: 30_000 }).toContain("graphiql.replayed");
    must(await publish("graphiql.live"));
    await expect.poll(() => response.innerText(), { timeout: 30_000 }).toContain("graphiql.live");
    // GraphiQL's own socket signed in with the console's credential.
    const init = sentFrames()!.find((f) => f.includes("connection_init"));
    expect(JSON.parse(init!)).toEqual({
      type: "connection_init",
      payload: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    await page.getByRole("button", { name: /prettify/i }).click();
    await screenshot(page, "admin-graphiql-subscription");
  });

  it("fits laptop and tablet widths: no sideways scrolling, every view reachable", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "wide-game-with-a-long-identifier", {
      developerName: "Width Dev",
    });
    const room = await createRoom(s, g.apiKey, g.realmId, "Observation deck");
    const player = await upsertPlayer(s, g.apiKey, "player-with-a-rather-long-external-id");
    must(await s.gql(`mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids: [player] }, g.apiKey));
    must(await movePlayer(s, g.apiKey, player, room));
    must(
      await s.gql(
        `mutation { publishEvent(input: { type: "width.check", data: { note: "a payload long enough to need wrapping on a tablet screen, as real ones are" } }) { seq } }`,
        {},
        g.apiKey,
      ),
    );
    const views: [string, () => Promise<void>][] = [
      ["universe", () => page.getByTestId("universe-games").waitFor()],
      ["games", () => page.getByRole("link", { name: "wide-game-with-a-long-identifier" }).waitFor()],
      [`game?id=${g.id}`, () => page.getByRole("link", { name: "Room Observation deck" }).waitFor()],
      [`room?room=${room}`, () => page.getByTestId("occupants").waitFor()],
      ["presence", () => page.getByLabel("Game").waitFor()],
      ["events", () => page.getByTestId("events").getByText("width.check").waitFor()],
      ["graphiql", () => page.locator(".graphiql-container").waitFor({ timeout: 60_000 })],
    ];
    await signIn(); // kept in this tab's session storage across the page loads below
    for (const [name, width, height] of [
      ["laptop", 1366, 768],
      ["tablet", 768, 1024],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const [path, ready] of views) {
        await page.goto(`${s.url}/admin/${path}`);
        await ready();
        // Nothing wider than the window: the page never scrolls sideways.
        const overflow = await page.evaluate<number>(`document.documentElement.scrollWidth - window.innerWidth`);
        expect(overflow, `${name} ${path}: page wider than the window by ${overflow}px`).toBeLessThanOrEqual(0);
        // Tables fit too (their scroll box is only a safety net).
        const tables = await page.evaluate<number[]>(
          `[...document.querySelectorAll(".table-scroll")].map((el) => el.scrollWidth - el.clientWidth)`,
        );
        for (const t of tables)
          expect(t, `${name} ${path}: a table is wider than its box by ${t}px`).toBeLessThanOrEqual(0);
        // Every view's link is on screen.
        for (const link of await page.getByRole("navigation", { name: "Views" }).getByRole("link").all()) {
          const box = await link.boundingBox();
          expect(box && box.x >= 0 && box.x + box.width <= width, `${name} ${path}: nav link off screen`).toBe(true);
        }
        if (name === "tablet" && (path === "games" || path === "events")) {
          await screenshot(page, `admin-tablet-${path}`, { fullPage: true });
        }
      }
    }
  });

  it("charts tick duration and events per tick from the ticks subscription, and lists late games", async () => {
    const ticking = await startTestServer({ TICK_HZ: "20", TICK_BARRIER_MS: "200" });
    try {
      await signIn(TEST_ADMIN_TOKEN, ticking);
      const chart = page.getByTestId("tick-chart");
      await chart.waitFor();
      await expect.poll(async () => Number(await chart.getAttribute("data-points"))).toBeGreaterThanOrEqual(2);
      // Two lines (duration, events), each with at least two points.
      const paths = await chart.locator("path").evaluateAll((els) => els.map((e) => e.getAttribute("d") ?? ""));
      expect(paths).toHaveLength(2);
      for (const d of paths) expect(d.match(/[ML]/g)!.length).toBeGreaterThanOrEqual(2);
      const late = page.getByTestId("tick-late");
      await expect.poll(() => late.textContent()).toMatch(/^No game was late in the last \d+ ticks\.$/);
      // A game that opted into the tick barrier and never reports: each tick gives up on it.
      await registerGame(ticking, TEST_ADMIN_TOKEN, "laggard", { developerName: "Ops" });
      must(
        await ticking.gql(
          `mutation { updateGame(id: "laggard", input: { tickBarrier: true }) { tickBarrier } }`,
          {},
          TEST_ADMIN_TOKEN,
        ),
      );
      await expect
        .poll(() => late.textContent(), { timeout: 10_000 })
        .toMatch(/Tick \d+ waited \d+ ms and gave up on laggard/);
      await screenshot(page, "admin-universe-ticks");
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
    await screenshot(page, "admin-games-actions");
    await page.getByRole("button", { name: "Cancel" }).click();
  });

  it("follows the games live: changes made elsewhere and health show without a reload", async () => {
    const dev = await createDeveloper(s, "Live Dev");
    await registerGame(s, dev.key, "live-list-game");
    await signIn(dev.key);
    await page.getByRole("link", { name: "Games" }).click();
    const status = page.getByTestId("status-live-list-game");
    await expect.poll(() => status.textContent()).toBe("ACTIVE");
    await expect.poll(() => page.getByTestId("connection-status").textContent()).toBe("connected");
    // Another console (or the API) registers and pauses: the list follows.
    const other = await registerGame(s, dev.key, "live-list-other");
    await page.getByRole("cell", { name: "Game live-list-other" }).waitFor();
    must(await s.gql(`mutation { setGameStatus(id: "live-list-game", status: PAUSED) { id } }`, {}, dev.key));
    await expect.poll(() => status.textContent()).toBe("PAUSED");
    // The game's heartbeats stop: the health chore's STALE shows, its next heartbeat clears it.
    must(await s.gql(`mutation { heartbeat { id } }`, {}, other.apiKey));
    await s.app.services.prisma.game.update({
      where: { id: "live-list-other" },
      data: { lastHeartbeatAt: new Date(Date.now() - 3_600_000) },
    });
    await s.app.services.realtime.gameChanges.sweep();
    const otherStatus = page.getByTestId("status-live-list-other");
    await expect.poll(() => otherStatus.textContent()).toBe("ACTIVE · stale");
    must(await s.gql(`mutation { heartbeat { id } }`, {}, other.apiKey));
    await expect.poll(() => otherStatus.textContent()).toBe("ACTIVE");
    // Another developer's games are not this one's.
    await registerGame(s, TEST_ADMIN_TOKEN, "not-live-devs", { developerName: "Someone Else" });
    must(await s.gql(`mutation { updateGame(id: "live-list-game", input: { name: "Renamed" }) { id } }`, {}, dev.key));
    await page.getByRole("cell", { name: "Renamed" }).waitFor();
    expect(await page.getByTestId("status-not-live-devs").count()).toBe(0);
  });

  it("shows a game's realms, rooms, players and newest events", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "detail-game", { developerName: "Detail Dev" });
    const plaza = await createRoom(s, g.apiKey, g.realmId, "Plaza");
    await upsertPlayer(s, g.apiKey, "carol");
    for (let i = 1; i <= 25; i++) {
      must(
        await s.gql(
          `mutation($t: String!) { publishEvent(input: { type: $t, data: {} }) { seq } }`,
          { t: `detail.n${i}` },
          g.apiKey,
        ),
      );
    }
    await signIn();
    await page.getByRole("link", { name: "Games" }).click();
    await page.getByRole("link", { name: "detail-game" }).click();
    await page.getByTestId("realm").first().waitFor();
    await page.getByRole("link", { name: "Room Plaza" }).waitFor();
    await page.getByRole("cell", { name: "carol" }).waitFor();
    // The newest 20, newest first: n25 … n6.
    const recent = page.getByTestId("recent-events").locator("tbody tr td:nth-child(2)");
    await expect.poll(() => recent.allInnerTexts()).toEqual(Array.from({ length: 20 }, (_, i) => `detail.n${25 - i}`));
    await screenshot(page, "admin-game-detail");
    // From here to the game's live events, filtered to it.
    await page.getByRole("link", { name: "Watch this game's events live" }).click();
    await expect.poll(() => page.getByLabel("Game id", { exact: true }).inputValue()).toBe("detail-game");
    const types = page.getByTestId("events").locator("tbody tr td:nth-child(2)");
    await expect.poll(() => types.count()).toBe(20); // the newest 20 first (other games' broadcasts too)
    await page.getByRole("button", { name: "Load 50 older events" }).click();
    await page.getByText("The start of the log").waitFor();
    // The game's view also holds other games' broadcasts: keep only its own by type.
    await page.getByLabel("Type starts with").fill("detail.");
    expect(await types.allInnerTexts()).toEqual(Array.from({ length: 25 }, (_, i) => `detail.n${25 - i}`));
    await page.goBack();
    await page.getByRole("link", { name: "Room Plaza" }).click();
    await expect.poll(() => page.getByLabel("Room id").inputValue()).toBe(plaza);
  });

  it("overrides a game's quotas from its page, and returns one to the setting", async () => {
    await registerGame(s, TEST_ADMIN_TOKEN, "quota-game", { developerName: "Quota Dev" });
    must(
      await s.gql(`mutation { setGameQuotas(id: "quota-game", quotas: { players: 42 }) { id } }`, {}, TEST_ADMIN_TOKEN),
    );
    await signIn();
    await page.getByRole("link", { name: "Games" }).click();
    await page.getByRole("link", { name: "quota-game" }).click();
    const form = page.getByRole("form", { name: "Quotas of quota-game" });
    await expect.poll(() => form.getByLabel("Players").inputValue()).toBe("42");
    await form.getByLabel("Rooms").fill("7");
    await form.getByLabel("Players").fill(""); // back to the node's setting
    await form.getByRole("button", { name: "Save quotas" }).click();
    await form.getByRole("status").waitFor();
    const { quotas } = must(
      await s.gql<{ game: { quotas: { rooms: number; players: number } } }>(
        `{ game(id: "quota-game") { quotas { rooms players } } }`,
        {},
        TEST_ADMIN_TOKEN,
      ),
    ).game;
    expect(quotas).toEqual({ rooms: 7, players: s.app.services.config.gameQuotas.players });
    await expect.poll(() => form.getByLabel("Players").inputValue()).toBe(String(quotas.players));
  });

  it("signs in and registers a game with the keyboard alone", async () => {
    /**
     * Presses Tab until the focused element is `name` (its label, aria-label or text). Each game
     * earlier tests registered adds four stops to the Games table, so the bound is generous.
     */
    const tabTo = async (name: string) => {
      for (let i = 0; i < 150; i++) {
        await page.keyboard.press("Tab");
        // Its label, aria-label or text, as a screen reader would name it.
        const focused = await page.evaluate<string>(`(() => {
          const el = document.activeElement;
          const label = el?.labels?.[0]?.textContent ?? "";
          return (el?.getAttribute("aria-label") ?? (label || el?.textContent) ?? "").trim();
        })()`);
        if (focused.startsWith(name)) return;
      }
      throw new Error(`Tab never reached ${name}`);
    };
    await page.goto(`${s.url}/admin/`);
    await tabTo("Admin token or developer key");
    await page.keyboard.type(TEST_ADMIN_TOKEN);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("connection-status").textContent()).toBe("connected");
    await tabTo("Games");
    await page.keyboard.press("Enter");
    const fields: [string, string][] = [
      ["Game id (slug)", "keyboard-game"],
      ["Name", "Keyboard Game"],
      ["Developer name", "Keys Dev"],
      ["First realm name", "Keys"],
      ["Realm type", "plains"],
      ["Adjacency (cluster)", "north"],
      ["Resonance (theme)", "calm"],
    ];
    for (const [label, value] of fields) {
      await tabTo(label);
      await page.keyboard.type(value);
    }
    await page.keyboard.press("Enter"); // submits the form from its last field
    await page.getByTestId("api-key").waitFor();
    await page.getByRole("link", { name: "keyboard-game" }).waitFor();
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
    await screenshot(page, "admin-presence");
  });

  it("replays the event log from a seq; a paused list holds new events back until resumed", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "replay-game", { developerName: "Replay Dev" });
    must(await s.gql(`mutation { publishEvent(input: { type: "replay.before", data: {} }) { seq } }`, {}, g.apiKey));
    // The signal that the page received an event: its WebSocket frame (the list shows nothing while paused).
    const arrived = new Promise<void>((resolve) => {
      page.on("websocket", (socket) =>
        socket.on("framereceived", ({ payload }) => {
          if (String(payload).includes("replay.after")) resolve();
        }),
      );
    });
    await signIn();
    await page.getByRole("link", { name: "Events" }).click();
    await page.getByLabel("Replay from seq").fill("0");
    await page.getByRole("button", { name: "Replay" }).click();
    const events = page.getByTestId("events");
    await events.getByText("replay.before").waitFor(); // published before the view opened
    await page.getByRole("button", { name: "Pause list" }).click();
    await page.getByText("The list is paused").waitFor();
    must(await s.gql(`mutation { publishEvent(input: { type: "replay.after", data: {} }) { seq } }`, {}, g.apiKey));
    await arrived;
    // Let the page handle the frame and render (two animation frames), then check it held the event back.
    // (A string: the tests' tsconfig has no DOM types.)
    await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
    expect(await events.getByText("replay.after").count()).toBe(0);
    await events.getByText("replay.before").waitFor();
    await page.getByRole("button", { name: "Resume list" }).click();
    await events.getByText("replay.after").waitFor();
  });

  /**
   * A game whose players may publish chat.say, with a lobby and a cellar, Alice in the lobby and
   * Bob in the cellar (both online, each with a token), and `say` to speak with a credential.
   */
  async function chatWorld(gameId: string) {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, gameId, {
      developerName: "Chat Dev",
      playerEventTypes: ["chat.say"],
    });
    const lobby = await createRoom(s, g.apiKey, g.realmId, "Lobby");
    const cellar = await createRoom(s, g.apiKey, g.realmId, "Cellar");
    const seat = async (externalId: string, roomId: string) => {
      const id = await upsertPlayer(s, g.apiKey, externalId);
      must(await movePlayer(s, g.apiKey, id, roomId));
      return { id, token: await issuePlayerToken(s, g.apiKey, id) };
    };
    const alice = await seat("alice", lobby);
    const bob = await seat("bob", cellar);
    must(
      await s.gql(
        `mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`,
        { ids: [alice.id, bob.id] },
        g.apiKey,
      ),
    );
    /** Publishes chat.say `{ text }` to `roomId` as `credential` (a player's token or the game's key). */
    const say = async (credential: string, roomId: string, text: string) =>
      must(
        await s.gql(
          `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`,
          { i: { type: "chat.say", targetRoomId: roomId, data: { text } } },
          credential,
        ),
      );
    return { ...g, lobby, cellar, alice, bob, say };
  }

  it("shows what is said in a room live in the Room view, and nothing said in another room", async () => {
    const w = await chatWorld("chat-room-game");
    await w.say(w.alice.token, w.lobby, "said before the view opened");
    await signIn();
    await page.goto(`${s.url}/admin/room?room=${w.lobby}`);
    const chat = page.getByTestId("room-chat");
    await chat.getByText("said before the view opened").waitFor(); // the newest lines, read first
    await page.getByTestId("room-chat-live").waitFor();
    await page.getByTestId("occupants").getByText("Player alice").waitFor(); // her name is known
    const url = page.url();
    // Bob speaks in the cellar before Alice in the lobby: once hers shows, his would have too.
    await w.say(w.bob.token, w.cellar, "heard only in the cellar");
    await w.say(w.alice.token, w.lobby, "hello, lobby");
    await w.say(w.apiKey, w.lobby, "the innkeeper speaks");
    await chat.getByText("the innkeeper speaks").waitFor();
    expect(await chat.getByText("heard only in the cellar").count()).toBe(0);
    // From the console, as the signed-in admin.
    const form = page.getByRole("form", { name: "Say in this room" });
    await form.getByLabel("Data (JSON)").fill('{ "text": "the console says hi" }');
    await form.getByRole("button", { name: "Send to the room" }).click();
    await chat.getByText("the console says hi").waitFor();
    // Chat order, each line with who said it: a player by name, the game, the admin.
    const lines = await chat.getByRole("listitem").allInnerTexts();
    expect(lines).toEqual([
      expect.stringMatching(/ Player alice chat\.say said before the view opened$/),
      expect.stringMatching(/ Player alice chat\.say hello, lobby$/),
      expect.stringMatching(/ game chat-room-game chat\.say the innkeeper speaks$/),
      expect.stringMatching(/ admin chat\.say the console says hi$/),
    ]);
    expect(page.url()).toBe(url); // no reload, no navigation
    await screenshot(page, "admin-room-chat", { fullPage: true });
  });

  it("filters the Events view by room and by player, from the form and from the URL", async () => {
    const w = await chatWorld("chat-filter-game");
    await w.say(w.alice.token, w.lobby, "lobby one");
    await w.say(w.bob.token, w.cellar, "cellar one");
    // The game whispers to Bob: he could see it, though he did not send it.
    must(
      await s.gql(
        `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`,
        { i: { type: "chat.whisper", targetPlayerId: w.bob.id, data: { text: "psst, bob" } } },
        w.apiKey,
      ),
    );
    const texts = () => page.getByTestId("events").locator("tbody tr td:nth-child(7)").allInnerTexts();
    await signIn();
    // From the URL: the lobby's events only, the newest first, then live.
    await page.goto(`${s.url}/admin/events?room=${w.lobby}`);
    await expect.poll(() => page.getByLabel("Room id").inputValue()).toBe(w.lobby);
    await page.getByTestId("events-live").waitFor();
    await w.say(w.bob.token, w.cellar, "cellar two");
    await w.say(w.alice.token, w.lobby, "lobby two");
    await expect.poll(texts).toEqual(['{"text":"lobby two"}', '{"text":"lobby one"}']);
    // The row says who sent it and where it went.
    const row = page.getByTestId("events").getByRole("row").filter({ hasText: "lobby two" });
    expect(await row.innerText()).toContain(`player ${w.alice.id} (chat-filter-game)`);
    expect(await row.innerText()).toContain(`room ${w.lobby} (chat-filter-game)`);
    // From the form: Bob's events (what he said and what was said to him), live too; kept in the URL.
    await page.getByLabel("Room id").fill("");
    await page.getByLabel("Player id").fill(w.bob.id);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByTestId("events-live").waitFor();
    await w.say(w.alice.token, w.lobby, "lobby three");
    await w.say(w.bob.token, w.cellar, "cellar three");
    await expect
      .poll(texts)
      .toEqual(['{"text":"cellar three"}', '{"text":"cellar two"}', '{"text":"psst, bob"}', '{"text":"cellar one"}']);
    const params = new URL(page.url()).searchParams;
    expect([params.get("player"), params.has("room")]).toEqual([w.bob.id, false]);
    await screenshot(page, "admin-events-filtered");
  });
});
