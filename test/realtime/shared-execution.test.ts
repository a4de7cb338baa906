// Execute once, send many: live `events` subscribers on a node with the same operation share one
// rendering of each event (GraphQL execution and JSON), whoever they are and wherever they
// resumed from; each still gets only the events it may see, and a different selection is
// rendered on its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { movePlayer, must, seedWorld, type World } from "../support/fixtures.ts";
import { metricValue } from "../support/metrics.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";
import { connectWs, subscribe, type TestSubscription, type TestWsClient } from "../support/ws.ts";

const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`;
const FULL = `subscription($since: Int64) { events(since: $since) { seq type data } }`;
const SHORT = `subscription { events { seq type } }`;
const ROOM = `subscription($r: ID!) { roomOccupants(roomId: $r) { version occupants { id } change { kind playerId } } }`;

interface RoomMsg {
  roomOccupants: { version: string; occupants: { id: string }[]; change: { kind: string; playerId: string } | null };
}

interface EventMsg {
  events: { seq: string; type: string; data?: unknown };
}

describe("shared execution of live events", () => {
  let s: TestServer;
  let w: World;
  const open: TestWsClient[] = [];
  const publish = async (key: string, input: Record<string, unknown>) =>
    must(await s.gql<{ publishEvent: { seq: string } }>(PUBLISH, { i: input }, key)).publishEvent.seq;
  const metric = (name: string) => metricValue(s.url, name);

  beforeAll(async () => {
    // The smallest queue: live events never wait in a subscriber's queue once it has joined the
    // fan-out, so more events than that reach a subscriber that reads them all.
    s = await startTestServer({ SUBSCRIPTION_BUFFER_SIZE: "10" });
    w = await seedWorld(s);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.dispose()));
    await s?.stop();
  });

  it("renders each event once per operation and sends it to every subscriber that may see it", async () => {
    // Game A's lobby holds both its players: what is said there reaches them, their game and the admin.
    const lobby = { targetRoomId: w.gameA.roomId };
    const first = await publish(TEST_ADMIN_TOKEN, { type: "before", ...lobby });
    const subscriber = async (credential: string, query: string, variables: Record<string, unknown> = {}) => {
      const c = connectWs(s.url, credential);
      open.push(c);
      await c.connected;
      return subscribe<EventMsg>(c, query, variables);
    };
    // The same operation from two players, their game and the admin, two of them resuming
    // from `first` (so they replay it first); another selection from game B.
    const full = {
      p1: await subscriber(w.gameA.players[0]!.token, FULL, { since: (BigInt(first) - 1n).toString() }),
      p2: await subscriber(w.gameA.players[1]!.token, FULL),
      gameA: await subscriber(w.gameA.apiKey, FULL),
      admin: await subscriber(TEST_ADMIN_TOKEN, FULL, { since: (BigInt(first) - 1n).toString() }),
    };
    const short = await subscriber(w.gameB.apiKey, SHORT);
    await full.p1.received(1);
    await full.admin.received(1);
    // Every subscriber has caught up and joined the fan-out.
    await waitUntil(
      "all five subscribers in the fan-out",
      async () => (await metric("multiverse_fanout_subscribers")) === 5,
    );

    const renders = await metric("multiverse_fanout_renders_total");
    const sends = await metric("multiverse_fanout_sends_total");
    const has = (sub: TestSubscription<EventMsg>, seq: string) => sub.values.some((v) => v.events.seq === seq);
    // Said in the lobby: the four with the same operation share one rendering; game B gets nothing.
    const news = await publish(TEST_ADMIN_TOKEN, { type: "news", data: { n: 1 }, ...lobby });
    await waitUntil("the lobby's news at all four", () => Object.values(full).every((sub) => has(sub, news)));
    expect(await metric("multiverse_fanout_renders_total")).toBe(renders + 1);
    expect(await metric("multiverse_fanout_sends_total")).toBe(sends + 4);
    for (const sub of Object.values(full)) {
      expect(sub.values.at(-1)).toEqual({ events: { seq: news, type: "news", data: { n: 1 } } });
    }

    // An event for game B: only the admin (FULL) and game B (SHORT) may see it; a broadcast:
    // every game and the admin, no player. Still one rendering per operation.
    const forB = await publish(TEST_ADMIN_TOKEN, { type: "to-b", targetGameId: "game-b" });
    await waitUntil("game B's event at the admin and at game B", () => has(full.admin, forB) && has(short, forB));
    const last = await publish(TEST_ADMIN_TOKEN, { type: "last" });
    await waitUntil("the broadcast at the games and the admin", () =>
      [full.gameA, full.admin, short].every((sub) => has(sub, last)),
    );
    expect(await metric("multiverse_fanout_renders_total")).toBe(renders + 5);
    expect(short.values.at(-1)).toEqual({ events: { seq: last, type: "last" } });
    // Each got every event it may see once, in seq order, the resumed ones from `first` on.
    expect(full.p1.values.map((v) => v.events.seq)).toEqual([first, news]);
    expect(full.p2.values.map((v) => v.events.seq)).toEqual([news]);
    expect(full.gameA.values.map((v) => v.events.seq)).toEqual([news, last]);
    expect(full.admin.values.map((v) => v.events.seq)).toEqual([first, news, forB, last]);
    expect(short.values.map((v) => v.events.seq)).toEqual([forB, last]);

    // More live events than a subscriber's queue holds: every one arrives, no connection ends.
    const more: string[] = [];
    for (let i = 0; i < 12; i++) more.push(await publish(TEST_ADMIN_TOKEN, { type: "more", data: { i }, ...lobby }));
    const four = Object.values(full);
    await waitUntil("12 more at all four", () => four.every((sub) => has(sub, more.at(-1)!)));
    for (const sub of four) expect(sub.values.slice(-12).map((v) => v.events.seq)).toEqual(more);
    expect(open.some((c) => c.isClosed())).toBe(false);
  });

  it("renders each change of a room once for its watchers with the same operation", async () => {
    const watch = async (credential: string) => {
      const c = connectWs(s.url, credential);
      open.push(c);
      await c.connected;
      const sub = subscribe<RoomMsg>(c, ROOM, { r: w.gameB.roomId });
      await sub.received(1); // the snapshot
      return sub;
    };
    const base = await metric("multiverse_fanout_subscribers");
    const watchers = [
      await watch(w.gameB.players[0]!.token),
      await watch(w.gameB.players[1]!.token),
      await watch(w.gameB.apiKey),
    ];
    // Each joins the room's fan-out once its snapshot is out.
    await waitUntil(
      "three watchers in the fan-out",
      async () => (await metric("multiverse_fanout_subscribers")) === base + 3,
    );
    const renders = await metric("multiverse_fanout_renders_total");
    const mover = w.gameB.players[0]!.id;
    must(await movePlayer(s, w.gameB.apiKey, mover, null)); // leaves the room
    await waitUntil("the change at every watcher", () => watchers.every((sub) => sub.values.length >= 2));
    // One rendering for the three.
    expect(await metric("multiverse_fanout_renders_total")).toBe(renders + 1);
    for (const sub of watchers) {
      const [snapshot, change] = sub.values as [RoomMsg, RoomMsg];
      expect(change.roomOccupants.change).toEqual({ kind: "LEFT", playerId: mover });
      expect(BigInt(change.roomOccupants.version)).toBeGreaterThan(BigInt(snapshot.roomOccupants.version));
      expect(change.roomOccupants.occupants.map((o) => o.id)).not.toContain(mover);
    }
  });
});
