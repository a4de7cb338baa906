// Presence and room occupants on one node: a player's connection is its presence; moves and
// presence changes reach the room's watchers as snapshot-then-changes with rising versions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDeveloper,
  createRoom,
  issuePlayerToken,
  movePlayer,
  must,
  registerGame,
  upsertPlayer,
} from "../support/fixtures.ts";
import { onRealPostgres } from "../support/database.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { connectWs, subscribe, wsClients } from "../support/ws.ts";
import { waitUntil } from "../support/wait.ts";

const ROOM = `subscription($r: ID!) { roomOccupants(roomId: $r) { version occupants { id online } change { kind playerId cause } } }`;
const PRESENCE = `subscription { presence { playerId online cause } }`;

interface RoomMsg {
  roomOccupants: {
    version: string;
    occupants: { id: string; online: boolean }[];
    change: { kind: string; playerId: string; cause: string } | null;
  };
}
interface PresenceMsg {
  presence: { playerId: string; online: boolean; cause: string };
}

describe("presence and room occupants", () => {
  let s: TestServer;
  let key: string;
  let lobby: string;
  let hall: string;
  let alice: string;
  let bob: string;
  const pool = wsClients(() => s.url);
  const ws = pool.connect;

  beforeAll(async () => {
    // A 1 s presence lease and a fast tick, so expiry is quick to see.
    s = await startTestServer({ TICK_HZ: "20", PRESENCE_TTL_SECONDS: "1" });
    const dev = await createDeveloper(s, "Presence Dev");
    const g = await registerGame(s, dev.key, "presence-game");
    key = g.apiKey;
    lobby = await createRoom(s, key, g.realmId, "Lobby");
    hall = await createRoom(s, key, g.realmId, "Hall");
    alice = await upsertPlayer(s, key, "alice");
    bob = await upsertPlayer(s, key, "bob");
    must(await movePlayer(s, key, alice, lobby));
    must(await movePlayer(s, key, bob, lobby));
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it("shows a connecting player joining, moving, and leaving when its connection closes", async () => {
    const watcher = await ws(key);
    const lobbyWatch = subscribe<RoomMsg>(watcher, ROOM, { r: lobby });
    const hallWatch = subscribe<RoomMsg>(watcher, ROOM, { r: hall });
    const presence = subscribe<PresenceMsg>(watcher, PRESENCE);
    const [snapshot] = await lobbyWatch.received(1);
    await hallWatch.received(1);
    // Nobody is connected: the lobby's players are there, but offline, so not occupants.
    expect(snapshot!.roomOccupants).toMatchObject({ occupants: [], change: null });
    const v0 = BigInt(snapshot!.roomOccupants.version);

    const aliceClient = await ws(await issuePlayerToken(s, key, alice));
    const [, joined] = await lobbyWatch.received(2);
    expect(joined!.roomOccupants.change).toEqual({ kind: "JOINED", playerId: alice, cause: "CONNECTED" });
    expect(joined!.roomOccupants.occupants).toEqual([{ id: alice, online: true }]);
    expect(BigInt(joined!.roomOccupants.version)).toBe(v0 + 1n);
    expect((await presence.received(1))[0]!.presence).toEqual({ playerId: alice, online: true, cause: "CONNECTED" });

    // The player moves itself: the lobby sees it leave, the hall sees it join.
    must(await movePlayer(s, await issuePlayerToken(s, key, alice), alice, hall));
    const [, , left] = await lobbyWatch.received(3);
    expect(left!.roomOccupants.change).toEqual({ kind: "LEFT", playerId: alice, cause: "MOVED" });
    expect(left!.roomOccupants.occupants).toEqual([]);
    const [, hallJoined] = await hallWatch.received(2);
    expect(hallJoined!.roomOccupants.change).toEqual({ kind: "JOINED", playerId: alice, cause: "MOVED" });

    // The queries agree with the stream.
    const now = must(
      await s.gql<{ players: { id: string }[] }>(`{ players(gameId: "presence-game", online: true) { id } }`, {}, key),
    );
    expect(now.players.map((p) => p.id)).toEqual([alice]);

    await aliceClient.dispose();
    const [, , gone] = await hallWatch.received(3);
    expect(gone!.roomOccupants.change).toEqual({ kind: "LEFT", playerId: alice, cause: "DISCONNECTED" });
    expect(gone!.roomOccupants.occupants).toEqual([]);
    expect((await presence.received(2))[1]!.presence).toEqual({
      playerId: alice,
      online: false,
      cause: "DISCONNECTED",
    });
    // Versions only went up.
    const versions = hallWatch.values.map((m) => BigInt(m.roomOccupants.version));
    expect(versions.every((v, i) => i === 0 || v > versions[i - 1]!)).toBe(true);
  });

  it("says every occupant is online in every message, not as of the first one", async () => {
    // Bob is in the lobby, Alice in the hall (the test above moved her).
    const bobClient = await ws(await issuePlayerToken(s, key, bob));
    const watcher = await ws(key);
    const lobbyWatch = subscribe<RoomMsg>(watcher, ROOM, { r: lobby });
    const [snapshot] = await lobbyWatch.received(1);
    expect(snapshot!.roomOccupants.occupants).toEqual([{ id: bob, online: true }]);
    const aliceToken = await issuePlayerToken(s, key, alice);
    const aliceClient = await ws(aliceToken);
    must(await movePlayer(s, aliceToken, alice, lobby));
    const joined = await waitUntil("Alice in the lobby's occupants", async () =>
      lobbyWatch.values.find((m) => m.roomOccupants.occupants.some((o) => o.id === alice)),
    );
    // Each occupant's `online` is read for this message (it was once cached from the first).
    expect(joined!.roomOccupants.occupants.map((o) => o.online)).toEqual([true, true]);
    await aliceClient.dispose();
    await bobClient.dispose();
  });

  /**
   * A presence subscription that is live: probe players (new ones, so each is announced) are
   * heartbeated until one's change arrives. Probes are left out of what `of` returns.
   */
  let probes = 0;
  const livePresence = async () => {
    const presence = subscribe<PresenceMsg>(await ws(key), PRESENCE);
    const probeIds = new Set<string>();
    await waitUntil("the presence subscription live", async () => {
      const probe = await upsertPlayer(s, key, `probe-${++probes}`);
      probeIds.add(probe);
      must(await s.gql(`mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids: [probe] }, key));
      return presence.values.some((v) => probeIds.has(v.presence.playerId));
    });
    const of = (playerId: string) => presence.values.filter((v) => v.presence.playerId === playerId);
    return { of };
  };

  it("keeps a player online while two connections hold it, until the last closes", async () => {
    const presence = await livePresence();
    const token = await issuePlayerToken(s, key, bob);
    const first = await ws(token);
    await waitUntil("bob online", () => presence.of(bob).length === 1);
    const second = await ws(token);
    await first.dispose();
    // Still online: a heartbeat-free probe of the state must not have changed.
    const mid = must(await s.gql<{ players: { id: string }[] }>(`{ players(online: true) { id } }`, {}, key));
    expect(mid.players.map((p) => p.id)).toContain(bob);
    await second.dispose();
    await waitUntil("bob offline", () => presence.of(bob).length === 2);
    const [on, off] = presence.of(bob);
    expect(on!.presence).toEqual({ playerId: bob, online: true, cause: "CONNECTED" });
    expect(off!.presence).toEqual({ playerId: bob, online: false, cause: "DISCONNECTED" });
  });

  it("takes a heartbeated player offline when its game stops vouching (swept by the tick leader)", async () => {
    // A player no earlier test brought online (an expiry of theirs could still be on its way).
    const erin = await upsertPlayer(s, key, "erin");
    must(await movePlayer(s, key, erin, lobby));
    const watcher = await ws(key);
    const lobbyWatch = subscribe<RoomMsg>(watcher, ROOM, { r: lobby });
    await lobbyWatch.received(1);
    must(await s.gql(`mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids: [erin] }, key));
    await waitUntil("erin's JOINED", () => lobbyWatch.values.some((m) => m.roomOccupants.change?.playerId === erin));
    const erinChanges = () => lobbyWatch.values.filter((m) => m.roomOccupants.change?.playerId === erin);
    expect(erinChanges()[0]!.roomOccupants.change).toEqual({ kind: "JOINED", playerId: erin, cause: "CONNECTED" });
    // No more heartbeats: after the 1 s lease the leader's sweep publishes the expiry.
    await waitUntil("erin's LEFT", () => erinChanges().length >= 2);
    const off = erinChanges()[1]!;
    expect(off.roomOccupants.change).toEqual({ kind: "LEFT", playerId: erin, cause: "EXPIRED" });
    expect(off.roomOccupants.occupants.map((o) => o.id)).not.toContain(erin);
  });

  it("a heartbeat for many players announces only those who were offline", async () => {
    const carol = await upsertPlayer(s, key, "carol");
    const dave = await upsertPlayer(s, key, "dave");
    const presence = await livePresence();
    await ws(await issuePlayerToken(s, key, carol));
    await waitUntil("carol online", () => presence.of(carol).length === 1);
    expect(presence.of(carol)[0]!.presence).toEqual({ playerId: carol, online: true, cause: "CONNECTED" });
    // Carol is online already: only Dave's change is published; a duplicate for Carol would
    // arrive before Dave's (list order).
    must(await s.gql(`mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids: [carol, dave] }, key));
    await waitUntil("dave online", () => presence.of(dave).length === 1);
    expect(presence.of(dave)[0]!.presence).toEqual({ playerId: dave, online: true, cause: "CONNECTED" });
    expect(presence.of(carol)).toHaveLength(1);
  });
});

// Its own server with the usual long presence lease: this is about concurrency, and a 1 s lease
// on a busy machine would add expiries to the count.
describe("many players at once", () => {
  let s: TestServer;
  const pool = wsClients(() => s.url);
  const ws = pool.connect;
  beforeAll(async () => {
    s = await startTestServer({ TICK_HZ: "20" });
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it("takes 20 players connecting to one room at once, and lets them all go", async () => {
    const dev = await createDeveloper(s, "Crowd Dev");
    const g = await registerGame(s, dev.key, "crowd-game");
    const key = g.apiKey;
    const crowd = await createRoom(s, key, g.realmId, "Crowd");
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = await upsertPlayer(s, key, `crowd-${i}`);
      must(await movePlayer(s, key, id, crowd));
      ids.push(id);
    }
    const watcher = await ws(key);
    const watch = subscribe<RoomMsg>(watcher, ROOM, { r: crowd });
    await watch.received(1);
    const tokens = await Promise.all(ids.map((id) => issuePlayerToken(s, key, id)));
    const clients = tokens.map((t) => connectWs(s.url, t));
    // All are acknowledged (none refused or closed), and the room ends with all 20.
    await Promise.all(clients.map((c) => c.connected));
    // Concurrent changes may publish out of version order, and a watcher keeps only newer ones
    // (so fewer than 20 messages may arrive): wait for the state, not for a count.
    const latest = () => watch.values.at(-1)!.roomOccupants;
    await waitUntil("all 20 in the room", () => latest().occupants.length === 20);
    const versions = watch.values.map((m) => BigInt(m.roomOccupants.version));
    expect(versions.every((v, i) => i === 0 || v > versions[i - 1]!)).toBe(true);
    await Promise.all(clients.map((c) => c.dispose()));
    await waitUntil("the room to empty", () => latest().occupants.length === 0);
    const online = must(await s.gql<{ players: { id: string }[] }>(`{ players(online: true) { id } }`, {}, key));
    expect(online.players.filter((p) => ids.includes(p.id))).toEqual([]);
  });

  const MOVES_ROOM = `subscription($r: ID!) { roomOccupants(roomId: $r) { version occupants { id displayName } change { kind playerId cause } } }`;
  interface MovesMsg {
    roomOccupants: {
      version: string;
      occupants: { id: string; displayName: string }[];
      change: { kind: string; playerId: string; cause: string } | null;
    };
  }

  /** A game with 3 rooms and 12 players spread over them, all online but the last. */
  async function movers(id: string) {
    const dev = await createDeveloper(s, `${id} dev`);
    const g = await registerGame(s, dev.key, id);
    const rooms: string[] = [];
    for (const name of ["A", "B", "C"]) rooms.push(await createRoom(s, g.apiKey, g.realmId, name));
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const playerId = await upsertPlayer(s, g.apiKey, `${id}-${String(i).padStart(2, "0")}`);
      must(await movePlayer(s, g.apiKey, playerId, rooms[i % 3]!));
      ids.push(playerId);
    }
    must(
      await s.gql(`mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids: ids.slice(0, 11) }, g.apiKey),
    );
    return { g, rooms, ids, offline: ids[11]! };
  }

  it("commits concurrent moves together, and each message is its room exactly at its version", async () => {
    const { g, rooms, ids, offline } = await movers("batch-game");
    const watcher = await ws(g.apiKey);
    const watches = rooms.map((r) => subscribe<MovesMsg>(watcher, MOVES_ROOM, { r }));
    await Promise.all(watches.map((w) => w.received(1)));
    // 24 moves handed over at once: the first is committed alone, the others queue behind it and
    // share one statement, in which a room changes many times and every player moves twice.
    const { occupancy } = s.app.services.realtime;
    const moves = [1, 2].flatMap((round) =>
      ids.map((playerId, i) => ({ playerId, gameId: g.id, roomId: rooms[(i + round) % 3]! })),
    );
    const moved = await Promise.all(moves.map((m) => occupancy.move(m)));
    await Promise.all(moved.map((m) => m.published));
    expect(moved.map((m) => m.player.roomId)).toEqual(moves.map((m) => m.roomId));

    for (const [r, roomId] of rooms.entries()) {
      const now = must(
        await s.gql<{ roomOccupants: { version: string; occupants: { id: string }[] } }>(
          `query($r: ID!) { roomOccupants(roomId: $r) { version occupants { id } } }`,
          { r: roomId },
          g.apiKey,
        ),
      ).roomOccupants;
      const watch = watches[r]!;
      await waitUntil("the room's last change", () => watch.values.at(-1)!.roomOccupants.version === now.version);
      const messages = watch.values.map((m) => m.roomOccupants);
      // Every player ends two rooms on, online ones listed, in displayName order.
      const expected = ids.filter((id, i) => (i + 2) % 3 === r && id !== offline);
      expect(messages.at(-1)!.occupants.map((o) => o.id)).toEqual(expected);
      expect(now.occupants.map((o) => o.id)).toEqual(expected);
      // One message per change, in version order (one node publishes a room's changes in order),
      // each the list before it with exactly its change applied: no message shows a later move.
      for (let i = 1; i < messages.length; i++) {
        const [prev, next] = [messages[i - 1]!, messages[i]!];
        expect(BigInt(next.version)).toBe(BigInt(prev.version) + 1n);
        const before = prev.occupants.map((o) => o.id);
        const change = next.change;
        const after =
          change === null
            ? before
            : change.kind === "JOINED"
              ? [...before, change.playerId]
              : before.filter((id) => id !== change.playerId);
        expect(next.occupants.map((o) => o.id).sort()).toEqual([...after].sort());
        const names = next.occupants.map((o) => o.displayName);
        expect(names).toEqual([...names].sort());
        // The offline player's moves change no list and show no change; the others are MOVED.
        if (change) expect(change).toMatchObject({ cause: "MOVED" });
        if (change) expect(change.playerId).not.toBe(offline);
      }
      // 8 moves in and 8 out of each room; those of the offline player show change null.
      expect(messages.length - 1).toBe(16);
      const path = [0, 1, 2].map((round) => (ids.length - 1 + round) % 3); // the offline player's rooms
      const offlineChanges = [path[0] === r, path[1] === r, path[1] === r, path[2] === r].filter(Boolean).length;
      expect(messages.filter((m) => m.change === null).length).toBe(1 + offlineChanges);
    }
  });

  it("refuses one move of a batch on its own: another game's player or room is NOT_FOUND, the others move", async () => {
    const { g, rooms, ids } = await movers("refusal-game");
    const other = await movers("refusal-other");
    const { occupancy } = s.app.services.realtime;
    const { prisma } = s.app.services;
    const roomOf = async (id: string) => (await prisma.player.findUniqueOrThrow({ where: { id } })).roomId;
    const before = { mine: await roomOf(ids[1]!), theirs: await roomOf(other.ids[0]!) };
    const results = await Promise.allSettled([
      occupancy.move({ playerId: ids[0]!, gameId: g.id, roomId: rooms[1]! }), // committed alone
      occupancy.move({ playerId: other.ids[0]!, gameId: g.id, roomId: rooms[0]! }), // not a player of g
      occupancy.move({ playerId: ids[1]!, gameId: g.id, roomId: other.rooms[0]! }), // not a room of g
      occupancy.move({ playerId: ids[2]!, gameId: g.id, roomId: null }),
    ]);
    const code = (r: PromiseSettledResult<unknown>) =>
      r.status === "fulfilled" ? "ok" : (r.reason as { extensions?: { code?: string }; message: string }).message;
    expect(results.map(code)).toEqual([
      "ok",
      `Player "${other.ids[0]}" was not found`,
      `Room "${other.rooms[0]}" was not found`,
      "ok",
    ]);
    expect(await roomOf(ids[0]!)).toBe(rooms[1]);
    expect(await roomOf(ids[2]!)).toBeNull();
    expect({ mine: await roomOf(ids[1]!), theirs: await roomOf(other.ids[0]!) }).toEqual(before);
  });

  // Two sessions at once: PGlite serves one, so this needs a Postgres server.
  it.skipIf(!onRealPostgres())(
    "reads a room's players once it holds the room: a move that waited on another's lock lists that one's change",
    async () => {
      const { g, rooms, ids } = await movers("locked-game");
      const [lobby, hall] = [rooms[0]!, rooms[1]!];
      const [leaver, mover] = [ids[3]!, ids[1]!]; // in the lobby, in the hall
      const watcher = await ws(g.apiKey);
      const watch = subscribe<MovesMsg>(watcher, MOVES_ROOM, { r: lobby });
      const [snapshot] = await watch.received(1);
      expect(snapshot!.roomOccupants.occupants.map((o) => o.id)).toContain(leaver);
      const { prisma, realtime } = s.app.services;
      let moving: ReturnType<typeof realtime.occupancy.move> | undefined;
      // Another node's move, half done: the leaver is out of the lobby, whose row it holds until it
      // commits. Our move into the lobby waits for that row, then must see the lobby without it.
      await prisma.$transaction(
        async (tx) => {
          await tx.$executeRaw`UPDATE rooms SET version = version + 1 WHERE id = ${lobby}::uuid`;
          await tx.$executeRaw`UPDATE players SET room_id = ${hall}::uuid WHERE id = ${leaver}::uuid`;
          moving = realtime.occupancy.move({ playerId: mover, gameId: g.id, roomId: lobby });
          await waitUntil("the move waiting for the lobby's row", async () => {
            const [w] = await prisma.$queryRaw<{ n: bigint }[]>`
            SELECT count(*) AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%move_players%'`;
            return w!.n > 0n;
          });
        },
        { timeout: 20_000 },
      );
      await (
        await moving!
      ).published;
      const joined = (await waitUntil("the mover's JOINED", () =>
        watch.values.find((m) => m.roomOccupants.change?.playerId === mover),
      ))!;
      expect(joined.roomOccupants.change).toEqual({ kind: "JOINED", playerId: mover, cause: "MOVED" });
      expect(BigInt(joined.roomOccupants.version)).toBe(BigInt(snapshot!.roomOccupants.version) + 2n);
      const listed = joined.roomOccupants.occupants.map((o) => o.id);
      expect(listed).toContain(mover);
      expect(listed).not.toContain(leaver);
    },
  );
});
