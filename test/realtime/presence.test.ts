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
});
