// The SDK's queries and mutations against a real server: every method, the credentials, and the
// errors (MultiverseError: GraphQL errors with their code and extensions, network errors).
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMultiverseClient,
  isMultiverseError,
  MultiverseError,
  type MultiverseClient,
} from "../../sdk/src/index.ts";
import { operations } from "../../sdk/src/generated/operations.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

const realm = { name: "Board", realmType: "arena", adjacency: "core", resonance: "cosmic" };

/** A port that was free a moment ago: nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The rejection of `promise`, which must be a MultiverseError. */
async function failure(promise: Promise<unknown>): Promise<MultiverseError> {
  const err = await promise.then(
    () => {
      throw new Error("expected a MultiverseError, but it succeeded");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MultiverseError);
  return err as MultiverseError;
}

describe("SDK: queries and mutations", () => {
  let s: TestServer;
  let admin: MultiverseClient;

  beforeAll(async () => {
    s = await startTestServer({ RATE_LIMIT_EVENTS_PER_SECOND: "5" });
    admin = createMultiverseClient({ url: `${s.url}/graphql`, adminToken: TEST_ADMIN_TOKEN });
  });
  afterAll(async () => {
    await admin?.close();
    await s?.stop();
  });

  it("has one method per operation in sdk/operations/ (each one is tested below)", () => {
    expect(Object.keys(operations).sort()).toEqual([
      "completeTick",
      "createDeveloper",
      "createRealm",
      "createRoom",
      "events",
      "eventsPage",
      "game",
      "gameChanges",
      "games",
      "heartbeat",
      "issuePlayerToken",
      "movePlayer",
      "myRoom",
      "players",
      "presence",
      "publishEvent",
      "publishEvents",
      "realms",
      "registerGame",
      "room",
      "roomOccupants",
      "roomOccupantsSnapshot",
      "rotateDeveloperKey",
      "rotateGameKey",
      "setGameQuotas",
      "setGameStatus",
      "ticks",
      "universe",
      "universeUpdates",
      "unregisterGame",
      "updateGame",
      "upsertPlayer",
    ]);
    for (const name of Object.keys(operations))
      expect(typeof (admin as unknown as Record<string, unknown>)[name]).toBe("function");
  });

  it("runs a game's whole life through the SDK", async () => {
    // An admin creates a developer; the developer registers a game (no developerName needed).
    const { developer, key } = await admin.createDeveloper({ name: "Ada" });
    expect(developer).toMatchObject({ name: "Ada" });
    expect(key).toMatch(/^mvd_/);
    const dev = createMultiverseClient({ url: s.url, developerKey: key });
    const { game, apiKey } = await dev.registerGame({ id: "space-chess", name: "Space Chess", realm, tickEvery: 5 });
    expect(apiKey).toMatch(/^mvg_/);
    expect(game).toMatchObject({ id: "space-chess", developerName: "Ada", status: "ACTIVE", tickEvery: 5 });
    expect(game.realms).toEqual([
      expect.objectContaining({ name: "Board", realmType: "arena", gameId: "space-chess" }),
    ]);

    // The game acts with its key: a second realm, a room, players.
    const mv = createMultiverseClient({ url: s.url, apiKey });
    const moon = await mv.createRealm({
      name: "Moon",
      realmType: "station",
      adjacency: "rim",
      resonance: "industrial",
    });
    expect(moon).toMatchObject({ name: "Moon", gameId: "space-chess" });
    expect((await mv.realms({ gameId: "space-chess", realmType: "station" })).map((r) => r.id)).toEqual([moon.id]);
    expect((await mv.realms({ gameId: "space-chess" })).length).toBe(2);

    const room = await mv.createRoom({ realmId: game.realms[0]!.id, name: "Lobby", description: "Wait here" });
    expect(room).toMatchObject({ name: "Lobby", description: "Wait here", version: "0" });
    expect(await mv.room({ id: room.id })).toEqual(room);

    const ada = await mv.upsertPlayer({ externalId: "ada", displayName: "Ada" });
    const bob = await mv.upsertPlayer({ externalId: "bob", displayName: "Bob" });
    expect(ada).toMatchObject({ externalId: "ada", displayName: "Ada", online: false, roomId: null });
    expect(await mv.movePlayer({ playerId: ada.id, roomId: room.id })).toMatchObject({ roomId: room.id });
    expect(await mv.movePlayer({ playerId: bob.id, roomId: room.id })).toMatchObject({ roomId: room.id });

    // Occupants are the online players: the game's heartbeat vouches for Ada only.
    const beat = await mv.heartbeat({ playerIds: [ada.id] });
    expect(beat.id).toBe("space-chess");
    expect(beat.lastHeartbeatAt).not.toBeNull();
    expect((await mv.heartbeat()).id).toBe("space-chess"); // playerIds defaults to []
    // The tick barrier: once opted in, the game reports the current tick (ticks are off here).
    expect((await mv.updateGame({ id: "space-chess", input: { tickBarrier: true } })).tickBarrier).toBe(true);
    expect(await mv.completeTick({ number: (await mv.universe()).currentTick })).toBe(true);
    const now = await mv.roomOccupantsSnapshot({ roomId: room.id });
    expect(now.occupants.map((p) => p.displayName)).toEqual(["Ada"]);
    expect(now.change).toBeNull();
    expect(BigInt(now.version)).toBeGreaterThan(0n);
    expect((await mv.players({ online: true })).map((p) => p.id)).toEqual([ada.id]);
    expect((await mv.players()).length).toBe(2);

    // A player token lets the player's client act as the player.
    const { token, expiresAt, player } = await mv.issuePlayerToken({ playerId: bob.id });
    expect(player.id).toBe(bob.id);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const bobClient = createMultiverseClient({ url: s.url, token });
    expect(await bobClient.movePlayer({ playerId: bob.id, roomId: null })).toMatchObject({ roomId: null });

    // Events: publish, then read the log a page at a time.
    const first = await mv.publishEvent({ type: "trade.offer", data: { gold: 5 }, idempotencyKey: "offer-1" });
    expect(first).toMatchObject({ type: "trade.offer", status: "DELIVERED", data: { gold: 5 }, broadcast: true });
    expect(first.seq).toMatch(/^\d+$/);
    const again = await mv.publishEvent({ type: "trade.offer", data: { gold: 5 }, idempotencyKey: "offer-1" });
    expect(again.id).toBe(first.id);
    const pending = await mv.publishEvent({ type: "at.tick", delivery: "NEXT_TICK", targetGameId: "space-chess" });
    expect(pending).toMatchObject({ status: "PENDING", seq: null });
    // Many at once: consecutive seqs, in the order given.
    const many = await mv.publishEvents({
      inputs: [
        { type: "wave", data: { n: 1 } },
        { type: "wave", data: { n: 2 } },
      ],
    });
    expect(many.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(BigInt(many[1]!.seq!)).toBe(BigInt(many[0]!.seq!) + 1n);
    expect(BigInt(many[0]!.seq!)).toBe(BigInt(first.seq!) + 1n);
    const page = await mv.eventsPage({ first: 10 });
    expect(page.nodes.map((e) => e.id)).toEqual([first.id, ...many.map((e) => e.id)]);
    expect(page.pageInfo).toEqual({
      startCursor: first.seq,
      endCursor: many[1]!.seq,
      hasNextPage: false,
      hasPreviousPage: false,
    });
    expect((await mv.eventsPage({ after: many[1]!.seq })).nodes).toEqual([]);
    // Read back from the newest.
    const newest = await mv.eventsPage({ last: 1 });
    expect(newest.nodes.map((e) => e.id)).toEqual([many[1]!.id]);
    expect(newest.pageInfo.hasPreviousPage).toBe(true);
    expect((await mv.eventsPage({ before: first.seq, last: 5 })).nodes).toEqual([]);

    // The directory and the universe.
    expect((await mv.games()).map((g) => g.id)).toContain("space-chess");
    expect((await mv.game({ id: "space-chess" })).realms.length).toBe(2);
    const universe = await admin.universe();
    expect(universe).toMatchObject({ games: 1, realms: 2, rooms: 1, players: 2, pendingEvents: 1 });
    expect(universe.events).toBe(many[1]!.seq);

    // Lifecycle: rotate the key (the old one stops working), pause, unregister.
    const rotated = await dev.rotateGameKey({ id: "space-chess" });
    expect(rotated.apiKey).not.toBe(apiKey);
    expect((await failure(mv.games())).code).toBe("UNAUTHENTICATED");
    expect((await dev.updateGame({ id: "space-chess", input: { description: "Chess in orbit" } })).description).toBe(
      "Chess in orbit",
    );
    const limited = await admin.setGameQuotas({ id: "space-chess", quotas: { rooms: 5 } });
    expect(limited.quotas).toMatchObject({ rooms: 5 });
    expect((await dev.setGameStatus({ id: "space-chess", status: "PAUSED" })).status).toBe("PAUSED");
    expect((await admin.games({ status: "PAUSED" })).map((g) => g.id)).toEqual(["space-chess"]);
    expect((await dev.unregisterGame({ id: "space-chess" })).status).toBe("UNREGISTERED");

    // The developer rotates its own key; the admin rotates it by id.
    const own = await dev.rotateDeveloperKey({});
    expect(own.developer.id).toBe(developer.id);
    expect((await failure(dev.games())).code).toBe("UNAUTHENTICATED");
    const devNow = createMultiverseClient({ url: s.url, developerKey: own.key });
    expect((await devNow.games()).map((g) => g.id)).toEqual(["space-chess"]);
    const byAdmin = await admin.rotateDeveloperKey({ id: developer.id });
    expect(byAdmin.key).not.toBe(own.key);
    expect((await failure(devNow.games())).code).toBe("UNAUTHENTICATED");
  });

  it("takes the endpoint or the bare origin, and a credential function called per request", async () => {
    let calls = 0;
    const viaOrigin = createMultiverseClient({
      url: s.url,
      adminToken: async () => {
        calls++;
        return TEST_ADMIN_TOKEN;
      },
    });
    await viaOrigin.games();
    await viaOrigin.games();
    expect(calls).toBe(2);
  });

  it("says what is wrong with a url that is not http(s)", () => {
    expect(() => createMultiverseClient({ url: "localhost:4000" })).toThrow(/url must be an http\(s\) URL/);
    expect(() => createMultiverseClient({ url: "ws://localhost:4000/graphql" })).toThrow(/http\(s\)/);
  });

  it("passes fetch, headers and an abort signal through", async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const client = createMultiverseClient({
      url: s.url,
      adminToken: TEST_ADMIN_TOKEN,
      headers: { "x-client": "bot" },
      fetch: (url, init) => {
        seen.push({ url, headers: init.headers as Record<string, string> });
        return fetch(url, init);
      },
    });
    await client.universe(undefined, { headers: { "x-request-id": "sdk-test-1" } });
    expect(seen[0]!.url).toBe(`${s.url}/graphql`);
    expect(seen[0]!.headers).toMatchObject({
      "x-client": "bot",
      "x-request-id": "sdk-test-1",
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
    });
    const controller = new AbortController();
    controller.abort(new Error("changed my mind"));
    await expect(client.games(undefined, { signal: controller.signal })).rejects.toThrow("changed my mind");
  });

  describe("errors", () => {
    it("gives a GraphQL error's code, field and problems (BAD_USER_INPUT)", async () => {
      const err = await failure(admin.registerGame({ id: "X", name: " ", developerName: "Ada", realm }));
      expect(err).toMatchObject({ kind: "graphql", code: "BAD_USER_INPUT", field: "id", operation: "registerGame" });
      expect(err.isGraphQLError).toBe(true);
      expect(err.isNetworkError).toBe(false);
      expect(err.problems.map((p) => p.field)).toEqual(["id", "name"]);
      expect(err.graphQLErrors[0]?.path).toEqual(["registerGame"]);
      expect(err.message).toMatch(/id must be/);
      expect(err.requestId).toMatch(/\S/); // from the x-request-id header
      expect(isMultiverseError(err)).toBe(true);
    });

    it("gives NOT_FOUND, CONFLICT, FORBIDDEN and UNAUTHENTICATED", async () => {
      expect((await failure(admin.game({ id: "no-such-game" }))).code).toBe("NOT_FOUND");
      await admin.registerGame({ id: "taken", name: "Taken", developerName: "Ada", realm });
      const conflict = await failure(admin.registerGame({ id: "taken", name: "Taken", developerName: "Ada", realm }));
      expect(conflict.code).toBe("CONFLICT");
      const { apiKey } = await admin.registerGame({ id: "other", name: "Other", developerName: "Ada", realm });
      const game = createMultiverseClient({ url: s.url, apiKey });
      expect((await failure(game.createDeveloper({ name: "Eve" }))).code).toBe("FORBIDDEN");
      const stranger = createMultiverseClient({ url: s.url, apiKey: "mvg_not-a-key" });
      const unauthenticated = await failure(stranger.games());
      expect(unauthenticated).toMatchObject({ kind: "graphql", code: "UNAUTHENTICATED", status: 401 });
    });

    it("gives reason for a request that could not run, and retryAfterMs for RATE_LIMITED", async () => {
      const bad = await failure(admin.eventsPage({ after: "not-a-number" }));
      expect(bad.code).toBe("BAD_USER_INPUT");
      const { apiKey } = await admin.registerGame({ id: "chatty", name: "Chatty", developerName: "Ada", realm });
      const chatty = createMultiverseClient({ url: s.url, apiKey });
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => chatty.publishEvent({ type: "spam" })));
      const limited = results.find((r) => r.status === "rejected");
      expect(limited).toBeDefined();
      const err = (limited as PromiseRejectedResult).reason as MultiverseError;
      expect(err.code).toBe("RATE_LIMITED");
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(err.retryAfterMs).toBeLessThanOrEqual(1000);
    });

    it("tells a network error from a GraphQL one", async () => {
      // A port nothing listens on: the connection is refused.
      const port = await closedPort();
      const nowhere = createMultiverseClient({ url: `http://127.0.0.1:${port}/graphql`, adminToken: TEST_ADMIN_TOKEN });
      const refused = await failure(nowhere.games());
      expect(refused).toMatchObject({ kind: "network", code: "NETWORK_ERROR", isNetworkError: true });
      expect(refused.message).toContain(`Could not reach http://127.0.0.1:${port}/graphql`);
      expect(refused.message).toMatch(/ECONNREFUSED/);
      expect(refused.cause).toBeDefined();
      // A server that answers, but not GraphQL (a wrong path).
      const wrongPath = createMultiverseClient({ url: `${s.url}/healthz`, adminToken: TEST_ADMIN_TOKEN });
      const notGraphQL = await failure(wrongPath.games());
      expect(notGraphQL).toMatchObject({ kind: "network", code: "NETWORK_ERROR" });
      expect(notGraphQL.status).toBeGreaterThanOrEqual(200);
    });
  });
});
