// A game's life after registration: pause and resume, a new key, unregistration, and what
// events do around it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeveloper, must, registerGame, type TestDeveloper } from "../support/fixtures.ts";
import { errorCode } from "../support/graphql.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

const STATUS = `mutation($id: ID!, $s: GameStatus!) { setGameStatus(id: $id, status: $s) { id status } }`;
const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { id seq recipientGameIds } }`;

describe("a game's lifecycle", () => {
  let s: TestServer;
  let dev: TestDeveloper;
  beforeAll(async () => {
    s = await startTestServer({ TICK_HZ: "0" });
    dev = await createDeveloper(s, "Lifecycle Dev");
  });
  afterAll(() => s?.stop());

  it("pauses and resumes; a paused game keeps working and is listed by status", async () => {
    const g = await registerGame(s, dev.key, "pausable");
    expect(must(await s.gql(STATUS, { id: g.id, s: "PAUSED" }, dev.key))).toEqual({
      setGameStatus: { id: g.id, status: "PAUSED" },
    });
    const paused = must(await s.gql<{ games: { id: string }[] }>(`{ games(status: PAUSED) { id } }`, {}, dev.key));
    expect(paused.games.map((x) => x.id)).toEqual([g.id]);
    // Its key still works: pausing only takes it out of the control tick.
    expect(must(await s.gql(`{ game(id: "pausable") { status } }`, {}, g.apiKey))).toEqual({
      game: { status: "PAUSED" },
    });
    expect(must(await s.gql(STATUS, { id: g.id, s: "ACTIVE" }, TEST_ADMIN_TOKEN))).toEqual({
      setGameStatus: { id: g.id, status: "ACTIVE" },
    });
  });

  it("updateGame changes the name or the description, leaving out what it is not given; bad input changes nothing", async () => {
    const g = await registerGame(s, dev.key, "renamed", { description: "Before" });
    const UPDATE = `mutation($id: ID!, $i: UpdateGameInput!) { updateGame(id: $id, input: $i) { id name description } }`;
    // The game itself may change its card.
    expect(must(await s.gql(UPDATE, { id: g.id, i: { name: "  After  " } }, g.apiKey))).toEqual({
      updateGame: { id: g.id, name: "After", description: "Before" },
    });
    expect(must(await s.gql(UPDATE, { id: g.id, i: { description: "" } }, dev.key))).toEqual({
      updateGame: { id: g.id, name: "After", description: "" },
    });
    for (const bad of [
      { name: "   " },
      { name: "x".repeat(81) },
      { description: "nul\u0000" },
      { description: "y".repeat(501) },
    ]) {
      const r = await s.gql(UPDATE, { id: g.id, i: bad }, dev.key);
      expect(errorCode(r), JSON.stringify(bad)).toBe("BAD_USER_INPUT");
    }
    expect(must(await s.gql(`{ game(id: "renamed") { name description } }`, {}, dev.key))).toEqual({
      game: { name: "After", description: "" },
    });
    // An unregistered game is read-only.
    must(await s.gql(`mutation { unregisterGame(id: "renamed") { id } }`, {}, dev.key));
    expect(errorCode(await s.gql(UPDATE, { id: g.id, i: { name: "Again" } }, TEST_ADMIN_TOKEN))).toBe("FORBIDDEN");
  });

  it("refuses UNREGISTERED as a status, and a malformed id, changing nothing", async () => {
    const g = await registerGame(s, dev.key, "stays-active");
    const r = await s.gql(STATUS, { id: g.id, s: "UNREGISTERED" }, dev.key);
    expect(errorCode(r)).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toMatch(/use unregisterGame/);
    expect(errorCode(await s.gql(STATUS, { id: "Not A Slug", s: "PAUSED" }, dev.key))).toBe("BAD_USER_INPUT");
    expect(must(await s.gql(`{ game(id: "stays-active") { status } }`, {}, dev.key))).toEqual({
      game: { status: "ACTIVE" },
    });
  });

  it("answers a retried publish with the stored event even after its target was unregistered", async () => {
    const from = await registerGame(s, dev.key, "sender");
    const to = await registerGame(s, dev.key, "leaving");
    const input = { type: "farewell", targetGameId: to.id, idempotencyKey: "bye-1" };
    const first = must(await s.gql<{ publishEvent: { id: string } }>(PUBLISH, { i: input }, from.apiKey));
    must(await s.gql(`mutation { unregisterGame(id: "leaving") { status } }`, {}, dev.key));
    const retry = must(await s.gql<{ publishEvent: { id: string } }>(PUBLISH, { i: input }, from.apiKey));
    expect(retry.publishEvent.id).toBe(first.publishEvent.id);
    // A new event to it is refused, from a game and from the admin alike.
    for (const who of [from.apiKey, TEST_ADMIN_TOKEN]) {
      const r = await s.gql(PUBLISH, { i: { type: "farewell", targetGameId: to.id } }, who);
      expect(errorCode(r)).toBe(who === TEST_ADMIN_TOKEN ? "BAD_USER_INPUT" : "NOT_FOUND");
    }
  });
});

describe("publish rate limit", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ RATE_LIMIT_EVENTS_PER_SECOND: "2" });
  });
  afterAll(() => s?.stop());

  it("answers RATE_LIMITED past RATE_LIMIT_EVENTS_PER_SECOND for one source, with the wait, and stores nothing more", async () => {
    const dev = await createDeveloper(s, "Busy Dev");
    const g = await registerGame(s, dev.key, "chatty");
    const other = await registerGame(s, dev.key, "quiet");
    // 12 in parallel. The limit counts per clock second, so a burst spans as many windows of 2
    // publishes as the clock seconds it touched, however slow a loaded machine makes it.
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => s.gql(PUBLISH, { i: { type: "burst", data: { i } } }, g.apiKey)),
    );
    const windows = Math.floor(Date.now() / 1000) - Math.floor(started / 1000) + 1;
    const limited = results.filter((r) => errorCode(r) === "RATE_LIMITED");
    expect(limited.length).toBeGreaterThanOrEqual(Math.max(1, 12 - 2 * windows));
    expect(limited[0]!.errors?.[0]?.extensions?.["retryAfterMs"]).toEqual(expect.any(Number));
    const stored = must(await s.gql<{ universe: { events: string } }>(`{ universe { events } }`, {}, TEST_ADMIN_TOKEN));
    expect(Number(stored.universe.events)).toBe(12 - limited.length);
    // Another game has its own budget.
    expect(errorCode(await s.gql(PUBLISH, { i: { type: "calm" } }, other.apiKey))).toBeUndefined();
  });
});
