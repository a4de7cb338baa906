// One game cannot starve another: each game has quotas (connections and subscriptions per node,
// events per second, players, rooms), node settings with per-game overrides by the admin
// (setGameQuotas). Each quota's documented answer when a game reaches it, the overrides and who
// may see and set them, and a game hammering at all its limits while another game's latency
// stays within a bound read from a baseline taken in the same test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latencyBound } from "../support/abuse.ts";
import { createRoom, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import type { GqlResult } from "../support/graphql.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";
import { connectWs, subscribe, type TestWsClient } from "../support/ws.ts";

const QUOTAS = {
  connections: 5,
  subscriptions: 8,
  eventsPerSecond: 50,
  players: 20,
  rooms: 3,
  storedEventBytes: "1000000", // an Int64: a decimal string
};
const QUOTAS_FIELDS = "connections subscriptions eventsPerSecond players rooms storedEventBytes";

describe("per-game quotas", () => {
  let s: TestServer;
  let hammer: { id: string; apiKey: string; realmId: string };
  let quiet: { id: string; apiKey: string; realmId: string };
  const open: TestWsClient[] = [];
  const ws = (credential: string) => {
    const c = connectWs(s.url, credential);
    open.push(c);
    return c;
  };
  const dispose = async (c: TestWsClient) => {
    open.splice(open.indexOf(c), 1);
    await c.dispose();
  };

  beforeAll(async () => {
    s = await startTestServer({
      GAME_QUOTA_CONNECTIONS: String(QUOTAS.connections),
      GAME_QUOTA_SUBSCRIPTIONS: String(QUOTAS.subscriptions),
      RATE_LIMIT_EVENTS_PER_SECOND: String(QUOTAS.eventsPerSecond),
      GAME_QUOTA_PLAYERS: String(QUOTAS.players),
      GAME_QUOTA_ROOMS: String(QUOTAS.rooms),
      GAME_QUOTA_STORED_EVENT_BYTES: QUOTAS.storedEventBytes,
    });
    hammer = await registerGame(s, TEST_ADMIN_TOKEN, "hammer", { developerName: "Loud" });
    quiet = await registerGame(s, TEST_ADMIN_TOKEN, "quiet", { developerName: "Calm" });
  });
  afterAll(async () => {
    await Promise.all(open.splice(0).map((c) => c.dispose()));
    await s?.stop();
  });

  const expectQuota = (r: GqlResult<unknown>, quota: string, limit: number) => {
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", reason: "QUOTA_EXCEEDED", quota, limit });
    expect(r.errors?.[0]?.message).toMatch(new RegExp(`holds its quota of ${limit}`));
  };
  /** Publishes probes to `gameId` until `sub` got one: it is live (not refused). */
  const liveOnce = (sub: { values: unknown[] }, gameId: string) =>
    waitUntil(`a live subscription of ${gameId}`, async () => {
      must(
        await s.gql(
          `mutation($g: ID!) { publishEvent(input: { type: "probe", targetGameId: $g }) { seq } }`,
          { g: gameId },
          TEST_ADMIN_TOKEN,
        ),
      );
      return sub.values.length > 0;
    });
  const quotasOf = async (id: string, credential: string) =>
    must(
      await s.gql<{ game: { quotas: unknown } }>(
        `query($id: ID!) { game(id: $id) { quotas { ${QUOTAS_FIELDS} } } }`,
        { id },
        credential,
      ),
    ).game.quotas;
  const setQuotas = (id: string, quotas: Record<string, unknown>, credential = TEST_ADMIN_TOKEN) =>
    s.gql<{ setGameQuotas: { quotas: Record<string, number> } }>(
      `mutation($id: ID!, $q: GameQuotasInput!) { setGameQuotas(id: $id, quotas: $q) { id quotas { ${QUOTAS_FIELDS} } } }`,
      { id, q: quotas },
      credential,
    );

  it("shows a game's quotas to its owners only: the settings until the admin overrides one", async () => {
    expect(await quotasOf("hammer", TEST_ADMIN_TOKEN)).toEqual(QUOTAS);
    expect(await quotasOf("hammer", hammer.apiKey)).toEqual(QUOTAS);
    expect(await quotasOf("hammer", quiet.apiKey)).toBeNull(); // another game sees the card, not the quotas
  });

  it("closes a connection past the game's connections quota with 1013; another game's connect meanwhile", async () => {
    const held = Array.from({ length: QUOTAS.connections }, () => ws(hammer.apiKey));
    await Promise.all(held.map((c) => c.connected));
    const refused = ws(hammer.apiKey);
    const closed = await refused.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/"hammer" holds its quota of 5 connections on this node: try again later/);
    const other = ws(quiet.apiKey);
    await other.connected;
    // One given back: room for one more.
    await dispose(held.pop()!);
    const again = ws(hammer.apiKey);
    await again.connected;
    await Promise.all([...held, again, other].map(dispose));
  });

  it("refuses a subscription past the game's subscriptions quota, leaving the connection and the others", async () => {
    const a = ws(hammer.apiKey);
    const b = ws(hammer.apiKey);
    await Promise.all([a.connected, b.connected]);
    const subs = Array.from({ length: QUOTAS.subscriptions }, (_, i) =>
      subscribe(i % 2 ? a : b, `subscription { ticks { number } }`),
    );
    const over = subscribe(a, `subscription { ticks { number } }`);
    const [error] = await over.errored;
    expect(error?.extensions).toMatchObject({
      code: "RATE_LIMITED",
      reason: "QUOTA_EXCEEDED",
      quota: "subscriptions",
      limit: 8,
    });
    // The quiet game's subscription is not counted against the hammer's: it is taken, and live.
    const other = ws(quiet.apiKey);
    await other.connected;
    const its = subscribe(other, `subscription { events { seq } }`);
    await liveOnce(its, "quiet");
    // Ending one gives its place back (once the server has seen the end).
    subs[0]!.stop();
    await waitUntil(
      "the ended subscription to be given back",
      () => s.app.services.quotas.held("hammer").subscriptions < 8,
    );
    const next = subscribe(b, `subscription { events { seq } }`);
    await liveOnce(next, "hammer");
    await Promise.all([a, b, other].map(dispose));
  });

  it("refuses a new player past the players quota (updating one still works) and a room past the rooms quota", async () => {
    for (let i = 0; i < QUOTAS.players; i++) await upsertPlayer(s, hammer.apiKey, `p${i}`);
    const UPSERT = `mutation($id: String!) { upsertPlayer(input: { externalId: $id, displayName: "New" }) { id displayName } }`;
    expectQuota(await s.gql(UPSERT, { id: "one-too-many" }, hammer.apiKey), "players", QUOTAS.players);
    expect(
      must(await s.gql<{ upsertPlayer: { displayName: string } }>(UPSERT, { id: "p0" }, hammer.apiKey)).upsertPlayer
        .displayName,
    ).toBe("New");
    await upsertPlayer(s, quiet.apiKey, "someone"); // another game's players are its own

    for (let i = 0; i < QUOTAS.rooms; i++) await createRoom(s, hammer.apiKey, hammer.realmId, `Room ${i}`);
    const ROOM = `mutation($r: ID!) { createRoom(input: { realmId: $r, name: "One too many" }) { id } }`;
    expectQuota(await s.gql(ROOM, { r: hammer.realmId }, hammer.apiKey), "rooms", QUOTAS.rooms);
    const players = await s.app.services.prisma.player.count({ where: { gameId: "hammer" } });
    expect(players).toBe(QUOTAS.players); // a refused call changed nothing
  });

  it("lets the admin override a quota and return it to the setting; refuses bad values and other callers", async () => {
    const set = must(await setQuotas("hammer", { rooms: 5, eventsPerSecond: 80 })).setGameQuotas.quotas;
    expect(set).toEqual({ ...QUOTAS, rooms: 5, eventsPerSecond: 80 });
    await createRoom(s, hammer.apiKey, hammer.realmId, "Room 3"); // room for two more now
    expect(await quotasOf("quiet", TEST_ADMIN_TOKEN)).toEqual(QUOTAS); // the other game keeps the settings
    // A field left out stays; null returns to the setting.
    expect(must(await setQuotas("hammer", { rooms: null })).setGameQuotas.quotas).toEqual({
      ...QUOTAS,
      eventsPerSecond: 80,
    });

    for (const bad of [{ rooms: -1 }, { players: 1_000_000_001 }]) {
      const r = await setQuotas("hammer", bad);
      expect(r.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    }
    expect((await setQuotas("hammer", { rooms: 100 }, hammer.apiKey)).errors?.[0]?.extensions?.["code"]).toBe(
      "FORBIDDEN",
    );
    expect(await quotasOf("hammer", TEST_ADMIN_TOKEN)).toEqual({ ...QUOTAS, eventsPerSecond: 80 });
  });

  it("refuses a publish that would take the game's stored event bytes past its quota; retention frees them", async () => {
    const { prisma, realtime } = s.app.services;
    const stored = async () =>
      (await prisma.game.findUniqueOrThrow({ where: { id: "hammer" }, select: { storedEventBytes: true } }))
        .storedEventBytes;
    const before = await stored();
    // What the log holds of an event's data is its JSON as Postgres writes it back: {"pad": "x…"}.
    const pad = "x".repeat(1000);
    const bytes = BigInt(`{"pad": "${pad}"}`.length);
    must(await setQuotas("hammer", { storedEventBytes: String(before + 3n * bytes) }));
    const PUBLISH = `mutation($d: JSON!) { publishEvents(inputs: [{ type: "big", data: $d }, { type: "big", data: $d }]) { seq } }`;
    must(await s.gql(PUBLISH, { d: { pad } }, hammer.apiKey)); // two: within the quota
    expect(await stored()).toBe(before + 2n * bytes);
    const events = await prisma.event.count({ where: { sourceGameId: "hammer" } });
    expectQuota(await s.gql(PUBLISH, { d: { pad } }, hammer.apiKey), "storedEventBytes", Number(before + 3n * bytes));
    // Refused whole: nothing stored, nothing counted; another game publishes as before.
    expect(await prisma.event.count({ where: { sourceGameId: "hammer" } })).toBe(events);
    expect(await stored()).toBe(before + 2n * bytes);
    must(await s.gql(PUBLISH, { d: { pad } }, quiet.apiKey));
    // Retention prunes the game's delivered events, and gives their bytes back.
    await realtime.log.prune(1e-9);
    expect(await stored()).toBe(0n);
    must(await s.gql(PUBLISH, { d: { pad } }, hammer.apiKey));
    expect(await stored()).toBe(2n * bytes);
    must(await setQuotas("hammer", { storedEventBytes: null }));
  });

  it("keeps another game's latency while one game hammers at every limit", async () => {
    const QUERY = `{ players { id } game(id: "quiet") { id name } }`;
    const sample = async (n: number) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        must(await s.gql(QUERY, {}, quiet.apiKey));
        times.push(performance.now() - t0);
      }
      return times.sort((x, y) => x - y)[Math.floor(n * 0.99)]!; // the p99
    };
    const baseline = await sample(100);
    // The hammer's own connections fill its quota first, so its connects are refused from then on.
    const held = Array.from({ length: QUOTAS.connections }, () => ws(hammer.apiKey));
    await Promise.all(held.map((c) => c.connected));
    let hammering = true;
    const refusals = { rate: 0, connections: 0, players: 0, rooms: 0 };
    const loops = [
      (async () => {
        const LIST = `mutation { publishEvents(inputs: [${Array.from({ length: 40 }, () => `{ type: "loud" }`).join(",")}]) { seq } }`;
        while (hammering)
          if ((await s.gql(LIST, {}, hammer.apiKey)).errors?.[0]?.extensions?.["code"] === "RATE_LIMITED")
            refusals.rate++;
      })(),
      (async () => {
        while (hammering) {
          const c = connectWs(s.url, hammer.apiKey);
          const closed = await Promise.race([c.closed, c.connected.then(() => null)]);
          if (closed?.code === 1013) refusals.connections++;
          await c.dispose();
        }
      })(),
      (async () => {
        for (let i = 0; hammering; i++) {
          const r = await s.gql(
            `mutation { upsertPlayer(input: { externalId: "flood-${i}", displayName: "F" }) { id } }`,
            {},
            hammer.apiKey,
          );
          if (r.errors?.[0]?.extensions?.["reason"] === "QUOTA_EXCEEDED") refusals.players++;
        }
      })(),
      (async () => {
        while (hammering) {
          const r = await s.gql(
            `mutation($r: ID!) { createRoom(input: { realmId: $r, name: "Flood" }) { id } }`,
            { r: hammer.realmId },
            hammer.apiKey,
          );
          if (r.errors?.[0]?.extensions?.["reason"] === "QUOTA_EXCEEDED") refusals.rooms++;
        }
      })(),
    ];
    let during: number;
    try {
      during = await sample(100);
    } finally {
      hammering = false;
      await Promise.all(loops);
    }
    expect(refusals.rate).toBeGreaterThan(0);
    expect(refusals.connections).toBeGreaterThan(0);
    expect(refusals.players).toBeGreaterThan(0);
    expect(refusals.rooms).toBeGreaterThan(0);
    // One line, so the figures can be quoted (docs/testing.md).
    console.log(
      `game quotas: the quiet game's p99 ${baseline.toFixed(1)} ms alone, ${during.toFixed(1)} ms while the other hammered (bound ${latencyBound(baseline).toFixed(1)} ms)`,
    );
    expect(during, `the quiet game's p99 while the other hammered (baseline ${baseline.toFixed(1)} ms)`).toBeLessThan(
      latencyBound(baseline),
    );
    await Promise.all(held.map(dispose));
  });
});
