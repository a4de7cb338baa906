// The SDK's subscriptions against a real server: what each one delivers, stopping with break,
// stop() or an AbortSignal, the connection state, and the errors that end a subscription. Every
// case runs over both transports (WebSocket, and SSE: `transport: "sse"`), but the limit of
// subscriptions per connection, which only a WebSocket has.
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventsDocument,
  RoomOccupantsDocument,
  type EventsSubscription,
  type TicksSubscription,
} from "../../sdk/src/documents.ts";
import {
  createMultiverseClient,
  MultiverseError,
  type ConnectionState,
  type MultiverseClient,
  type MultiverseEvent,
} from "../../sdk/src/index.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";

const realm = { name: "Board", realmType: "arena", adjacency: "core", resonance: "cosmic" };

/** The next `n` values of `it` (not closing it). */
async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) throw new Error(`ended after ${out.length} of ${n}`);
    out.push(r.value);
  }
  return out;
}

/** What the loop over `it` throws (it must throw a MultiverseError). */
async function thrown(it: AsyncIterable<unknown>): Promise<MultiverseError> {
  try {
    for await (const _ of it) {
      // draining
    }
  } catch (err) {
    expect(err).toBeInstanceOf(MultiverseError);
    return err as MultiverseError;
  }
  throw new Error("the loop ended without an error");
}

describe.each(["websocket", "sse"] as const)("SDK: subscriptions over %s", (transport) => {
  let s: TestServer;
  let admin: MultiverseClient;
  let mv: MultiverseClient;
  let apiKey: string;
  let roomId: string;
  let realmId: string;
  const clients: MultiverseClient[] = [];
  /** Event streams the clients opened (over SSE, one per subscription; none over WebSocket). */
  let streamsOpened = 0;
  const countingFetch = (input: string, init: RequestInit) => {
    if (new Headers(init.headers).get("accept") === "text/event-stream") streamsOpened++;
    return fetch(input, init);
  };
  const client = (options: Partial<Parameters<typeof createMultiverseClient>[0]> = {}) => {
    const c = createMultiverseClient({ url: s.url, apiKey, transport, fetch: countingFetch, ...options } as Parameters<
      typeof createMultiverseClient
    >[0]);
    clients.push(c);
    return c;
  };
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
    return Number(m?.[1] ?? NaN);
  };
  const activeSubscriptions = () => metric("multiverse_subscriptions_active");

  beforeAll(async () => {
    s = await startTestServer({ TICK_HZ: "20", MAX_SUBSCRIPTIONS_PER_CONNECTION: "3" });
    admin = createMultiverseClient({ url: s.url, adminToken: TEST_ADMIN_TOKEN, transport });
    clients.push(admin);
    const registered = await admin.registerGame({
      id: "space-chess",
      name: "Space Chess",
      developerName: "Ada",
      realm,
    });
    apiKey = registered.apiKey;
    realmId = registered.game.realms[0]!.id;
    mv = client();
    roomId = (await mv.createRoom({ realmId, name: "Lobby" })).id;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await s?.stop();
  });

  it("roomOccupants: the snapshot first, then one message per change; break stops it on the server", async () => {
    const ada = await mv.upsertPlayer({ externalId: "ada", displayName: "Ada" });
    await mv.heartbeat({ playerIds: [ada.id] });
    const seen: string[] = [];
    for await (const update of mv.roomOccupants({ roomId })) {
      const names = update.occupants.map((p) => p.displayName).join(",");
      seen.push(`${update.change ? `${update.change.kind}/${update.change.cause}` : "snapshot"}:${names}`);
      expect(update.roomId).toBe(roomId);
      if (!update.change) await mv.movePlayer({ playerId: ada.id, roomId });
      else if (update.change.kind === "JOINED") await mv.movePlayer({ playerId: ada.id, roomId: null });
      else break;
    }
    expect(seen).toEqual(["snapshot:", "JOINED/MOVED:Ada", "LEFT/MOVED:"]);
    await waitUntil("the server let go of the subscription", async () => (await activeSubscriptions()) === 0);
    await waitUntil("the socket closed", () => mv.connection.state === "closed");
  });

  it("reports the connection state and its changes", async () => {
    const c = client();
    const states: ConnectionState[] = [];
    const off = c.connection.onChange((change) => states.push(change.state));
    expect(c.connection.state).toBe("closed");
    const sub = c.roomOccupants({ roomId });
    await take(sub, 1);
    expect(c.connection.state).toBe("connected");
    sub.stop();
    await waitUntil("closed after the last subscription", () => c.connection.state === "closed");
    expect(states).toEqual(["connecting", "connected", "closed"]);
    expect(streamsOpened > 0).toBe(transport === "sse");
    off();
    c.roomOccupants({ roomId }).stop();
    expect(states).toHaveLength(3);
  });

  it("stops with an AbortSignal, also one aborted before it starts, and with stop()", async () => {
    const controller = new AbortController();
    const sub = mv.roomOccupants({ roomId }, { signal: controller.signal });
    const got: unknown[] = [];
    const loop = (async () => {
      for await (const update of sub) {
        got.push(update);
        controller.abort(); // from inside; from elsewhere works the same
      }
      return "ended";
    })();
    expect(await loop).toBe("ended");
    expect(got).toHaveLength(1);

    const aborted = AbortSignal.abort();
    const never = mv.roomOccupants({ roomId }, { signal: aborted });
    expect(await never.next()).toEqual({ value: undefined, done: true });

    // A quiet room: after its snapshot nothing comes, so next() is surely waiting when stop() comes
    // (a tick every 50 ms could already be queued).
    const quiet = await mv.createRoom({ realmId, name: "Quiet" });
    const stopped = mv.roomOccupants({ roomId: quiet.id });
    await take(stopped, 1);
    const waiting = stopped.next(); // waits for a change that never comes
    stopped.stop();
    expect(await waiting).toEqual({ value: undefined, done: true });
    await waitUntil("the server let go of them", async () => (await activeSubscriptions()) === 0);
  });

  it("events: ready, then every event after it once, in seq order; since replays", async () => {
    const events = mv.events();
    await events.ready;
    const published: string[] = [];
    for (let i = 0; i < 3; i++) published.push((await mv.publishEvent({ type: "move", data: { i } })).seq!);
    const got = await take(events, 3);
    expect(got.map((e) => e.seq)).toEqual(published);
    expect(got[0]).toMatchObject({ type: "move", data: { i: 0 }, sourceGameId: "space-chess", status: "DELIVERED" });
    events.stop();

    // since: everything after it first, then live.
    const replay = mv.events({ since: published[0]! });
    const more = (await mv.publishEvent({ type: "move", data: { i: 3 } })).seq!;
    expect((await take(replay, 3)).map((e: MultiverseEvent) => e.seq)).toEqual([published[1], published[2], more]);
    replay.stop();
  });

  it("events: a loop that falls behind bufferSize pauses the stream, then gets everything, in order", async () => {
    const c = client({ bufferSize: 4 });
    const events = c.events();
    await events.ready;
    const published: string[] = [];
    for (let i = 0; i < 12; i++) published.push((await mv.publishEvent({ type: "burst", data: { i } })).seq!);
    // Nobody took anything: past 4 waiting, the client unsubscribed (the server let go of it).
    await waitUntil("paused", async () => (await activeSubscriptions()) === 0);
    const got = await take(events, 12);
    expect(got.map((e) => e.seq)).toEqual(published);
    const late = await mv.publishEvent({ type: "burst", data: { i: 12 } });
    expect((await take(events, 1))[0]!.seq).toBe(late.seq);
    events.stop();
  });

  it("roomOccupants: past bufferSize, the oldest waiting update gives way to newer ones", async () => {
    const c = client({ bufferSize: 2 });
    const sub = c.roomOccupants({ roomId });
    const [snapshot] = await take(sub, 1);
    const cat = await mv.upsertPlayer({ externalId: "cat", displayName: "Cat" });
    await mv.heartbeat({ playerIds: [cat.id] });
    for (const room of [roomId, null, roomId, null, roomId]) await mv.movePlayer({ playerId: cat.id, roomId: room });
    const last = BigInt((await mv.roomOccupantsSnapshot({ roomId })).version);
    const seen: bigint[] = [];
    for await (const update of sub) {
      seen.push(BigInt(update.version));
      if (BigInt(update.version) === last) break;
    }
    expect(seen.length).toBeLessThan(5); // five changes were sent; some gave way
    expect(seen.every((v, i) => v > (i === 0 ? BigInt(snapshot!.version) : seen[i - 1]!))).toBe(true);
    await mv.movePlayer({ playerId: cat.id, roomId: null });
  });

  it("events: only those a game may see, and gameId narrows an admin's", async () => {
    const other = await admin.registerGame({ id: "moon-miners", name: "Moon Miners", developerName: "Bo", realm });
    const miners = client({ apiKey: other.apiKey });
    const minersEvents = miners.events();
    const adminEvents = admin.events({ gameId: "moon-miners" });
    await Promise.all([minersEvents.ready, adminEvents.ready]);
    await mv.publishEvent({ type: "private", targetGameId: "space-chess" }); // not for the miners
    const hello = await mv.publishEvent({ type: "hello", targetGameId: "moon-miners" });
    expect((await take(minersEvents, 1))[0]!.id).toBe(hello.id);
    expect((await take(adminEvents, 1))[0]!.id).toBe(hello.id);
    minersEvents.stop();
    adminEvents.stop();
  });

  it("ticks: increasing numbers; a game with tickEvery gets its own", async () => {
    const ticks = mv.ticks({ gameId: "space-chess" });
    const [a, b] = await take(ticks, 2);
    expect(BigInt(b!.number)).toBeGreaterThan(BigInt(a!.number));
    expect(a!.durationMs).toBeGreaterThanOrEqual(0);
    ticks.stop();
  });

  it("presence: a player's client connecting and leaving", async () => {
    const bob = await mv.upsertPlayer({ externalId: "bob", displayName: "Bob" });
    const { token } = await mv.issuePlayerToken({ playerId: bob.id });
    const presence = mv.presence();
    // Subscribed once the server answers on the same socket (graphql-ws handles messages in order).
    const probe = mv.roomOccupants({ roomId });
    await take(probe, 1);
    probe.stop();
    const player = client({ token, apiKey: undefined });
    const playerSub = player.roomOccupants({ roomId }); // opening the connection makes Bob online
    await take(playerSub, 1);
    const [online] = await take(presence, 1);
    expect(online).toMatchObject({ playerId: bob.id, online: true, cause: "CONNECTED", gameId: "space-chess" });
    playerSub.stop();
    const [offline] = await take(presence, 1);
    expect(offline).toMatchObject({ playerId: bob.id, online: false, cause: "DISCONNECTED" });
    presence.stop();
  });

  it("myRoom: a player's own room, and a fresh snapshot when it moves", async () => {
    const cy = await mv.upsertPlayer({ externalId: "cy", displayName: "Cy" });
    const cellar = await mv.createRoom({ realmId, name: "Cellar" });
    const { token } = await mv.issuePlayerToken({ playerId: cy.id });
    const player = client({ token, apiKey: undefined });
    const seen: string[] = [];
    for await (const room of player.myRoom()) {
      seen.push(
        `${room.roomId === roomId ? "lobby" : room.roomId === cellar.id ? "cellar" : room.roomId}:${room.occupants.map((p) => p.displayName).join(",")}`,
      );
      if (room.roomId === null) await mv.movePlayer({ playerId: cy.id, roomId });
      else if (room.roomId === roomId) await player.movePlayer({ playerId: cy.id, roomId: cellar.id });
      else break;
    }
    expect(seen).toEqual(["null:", "lobby:Cy", "cellar:Cy"]);
  });

  it("universeUpdates: the universe once a second, for admins", async () => {
    const updates = admin.universeUpdates();
    const [u] = await take(updates, 1);
    expect(u!.games).toBeGreaterThanOrEqual(1);
    updates.stop();
    const err = await thrown(mv.universeUpdates());
    expect(err.code).toBe("FORBIDDEN");
  });

  it("gameChanges: the snapshot of the games you watch, then each change (admin and developers)", async () => {
    const changes = admin.gameChanges();
    const [snapshot] = await take(changes, 1);
    expect(snapshot).toMatchObject({ kind: "SNAPSHOT", game: null });
    expect(snapshot!.games!.map((g) => g.id)).toContain("space-chess");
    const paused = await admin.setGameStatus({ id: "space-chess", status: "PAUSED" });
    const [change] = await take(changes, 1);
    expect(change).toMatchObject({
      kind: "STATUS_CHANGED",
      games: null,
      game: { id: "space-chess", status: "PAUSED" },
    });
    expect(change!.game!.version).toBe(paused.version);
    await admin.setGameStatus({ id: "space-chess", status: "ACTIVE" });
    expect((await take(changes, 1))[0]!.game).toMatchObject({ status: "ACTIVE" });
    changes.stop();
    const err = await thrown(mv.gameChanges());
    expect(err.code).toBe("FORBIDDEN");
  });

  it("subscribe: a request as urql sends it yields whole results; the SDK's own operations resume", async () => {
    // An SDK document (as `@multiverse/sdk/documents` has it): it starts where the log ends, as `events` does.
    const events = mv.subscribe<EventsSubscription>({
      query: print(EventsDocument),
      operationName: "Events",
      variables: {},
    });
    await events.ready;
    const seq = (await mv.publishEvent({ type: "raw", data: {} })).seq!;
    const [first] = await take(events, 1);
    expect(first).toEqual({ events: expect.objectContaining({ seq, type: "raw" }) });
    events.stop();

    // Any other subscription: no resume, each result's data as it came.
    const mine = mv.subscribe<TicksSubscription>({ query: "subscription { ticks { number } }" });
    const [tick] = await take(mine, 1);
    expect(Object.keys(tick!)).toEqual(["ticks"]);
    expect(tick!.ticks.number).toMatch(/^\d+$/);
    mine.stop();

    // Errors end it the same way, named after the SDK's method.
    const missing = mv.subscribe({
      query: print(RoomOccupantsDocument),
      operationName: "RoomOccupants",
      variables: { roomId: "00000000-0000-4000-8000-000000000000" },
    });
    expect(await thrown(missing)).toMatchObject({ kind: "graphql", code: "NOT_FOUND", operation: "roomOccupants" });
    expect(() => mv.subscribe({} as never)).toThrow(TypeError);
  });

  describe("errors end the loop with a MultiverseError", () => {
    it("a GraphQL error (NOT_FOUND, BAD_USER_INPUT with its field)", async () => {
      const notFound = await thrown(mv.roomOccupants({ roomId: "00000000-0000-4000-8000-000000000000" }));
      expect(notFound).toMatchObject({ kind: "graphql", code: "NOT_FOUND", operation: "roomOccupants" });
      const ahead = await thrown(mv.events({ since: "999999999" }));
      expect(ahead).toMatchObject({ code: "BAD_USER_INPUT", field: "since" });
      await expect(mv.events({ since: "999999999" }).ready).resolves.toBeUndefined();
    });

    it("a refused credential (close code 4403) is fatal: no reconnect", async () => {
      const stranger = client({ apiKey: "mvg_not-a-key" });
      const states: ConnectionState[] = [];
      stranger.connection.onChange((c) => states.push(c.state));
      const err = await thrown(stranger.roomOccupants({ roomId }));
      expect(err).toMatchObject({ kind: "graphql", code: "UNAUTHENTICATED", closeCode: 4403 });
      expect(err.message).toMatch(/4403/);
      expect(states).toEqual(["connecting", "closed"]);
      // The events stream needs the log's end first: the same credential fails over HTTP.
      expect((await thrown(stranger.events())).code).toBe("UNAUTHENTICATED");
    });

    // Over SSE, every subscription is its own stream: only the game's quotas count them.
    it.skipIf(transport === "sse")("too many subscriptions on one connection (RATE_LIMITED)", async () => {
      const c = client();
      const subs = [1, 2, 3].map(() => c.roomOccupants({ roomId }));
      await Promise.all(subs.map((sub) => take(sub, 1)));
      const err = await thrown(c.roomOccupants({ roomId }));
      expect(err.code).toBe("RATE_LIMITED");
      subs.forEach((sub) => sub.stop());
    });

    it("close() ends every running loop", async () => {
      const c = client();
      const a = c.roomOccupants({ roomId });
      const b = c.events();
      await take(a, 1);
      await b.ready;
      const loops = [a, b].map(async (sub) => {
        for await (const _ of sub) {
          // waiting
        }
        return "ended";
      });
      await c.close();
      expect(await Promise.all(loops)).toEqual(["ended", "ended"]);
      expect(c.connection.state).toBe("closed");
    });
  });
});
