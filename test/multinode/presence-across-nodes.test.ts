// Presence across two real processes: moves on one node reach watchers on the other, and the
// players held by a node that dies (SIGKILL, no goodbye) leave once their lease runs out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster } from "../support/cluster.ts";
import { gql } from "../support/graphql.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { connectWs, subscribe, type TestWsClient } from "../support/ws.ts";

const ROOM = `subscription($r: ID!) { roomOccupants(roomId: $r) { version occupants { id } change { kind playerId cause } } }`;
interface RoomMsg {
  roomOccupants: {
    version: string;
    occupants: { id: string }[];
    change: { kind: string; playerId: string; cause: string } | null;
  };
}

async function call<T>(url: string, credential: string, query: string, variables: Record<string, unknown> = {}) {
  const r = await gql<T>(url, query, variables, credential);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!;
}

describe.skipIf(!canCluster())("presence across two nodes", () => {
  const TTL_S = 2;
  const LEASE_MS = 500;
  let c: Cluster;
  const open: TestWsClient[] = [];
  let key: string;
  let lobby: string;
  let hall: string;
  let player: string;
  let token: string;

  beforeAll(async () => {
    c = await startCluster(2, { TICK_HZ: "10", PRESENCE_TTL_SECONDS: String(TTL_S), TICK_LEASE_MS: String(LEASE_MS) });
    const a = c.nodes[0]!.url;
    const reg = await call<{ registerGame: { apiKey: string; game: { realms: { id: string }[] } } }>(
      a,
      TEST_ADMIN_TOKEN,
      `mutation { registerGame(input: { id: "two-nodes", name: "Two", developerName: "Ada",
         realm: { name: "R", realmType: "t", adjacency: "a", resonance: "r" } }) { apiKey game { realms { id } } } }`,
    );
    key = reg.registerGame.apiKey;
    const realmId = reg.registerGame.game.realms[0]!.id;
    const room = async (name: string) =>
      (
        await call<{ createRoom: { id: string } }>(
          a,
          key,
          `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }`,
          { i: { realmId, name } },
        )
      ).createRoom.id;
    lobby = await room("Lobby");
    hall = await room("Hall");
    player = (
      await call<{ upsertPlayer: { id: string } }>(
        a,
        key,
        `mutation { upsertPlayer(input: { externalId: "p1", displayName: "P1" }) { id } }`,
      )
    ).upsertPlayer.id;
    await call(a, key, `mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id } }`, {
      p: player,
      r: lobby,
    });
    token = (
      await call<{ issuePlayerToken: { token: string } }>(
        a,
        key,
        `mutation($p: ID!) { issuePlayerToken(playerId: $p) { token } }`,
        { p: player },
      )
    ).issuePlayerToken.token;
  });
  afterAll(async () => {
    await Promise.all(open.map((x) => x.dispose()));
    await c?.stop();
  });

  it("shows watchers on B a player who connects and moves on A, and drops it when A dies", async () => {
    const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]];
    const watcher = connectWs(b.url, key);
    open.push(watcher);
    await watcher.connected;
    const lobbyWatch = subscribe<RoomMsg>(watcher, ROOM, { r: lobby });
    const hallWatch = subscribe<RoomMsg>(watcher, ROOM, { r: hall });
    const [snapshot] = await lobbyWatch.received(1);
    await hallWatch.received(1);
    expect(snapshot!.roomOccupants.occupants).toEqual([]);

    // The player's client connects to node A.
    const client = connectWs(a.url, token);
    open.push(client);
    await client.connected;
    const [, joined] = await lobbyWatch.received(2);
    expect(joined!.roomOccupants.change).toEqual({ kind: "JOINED", playerId: player, cause: "CONNECTED" });

    // Its game server moves it, through node A.
    await call(a.url, key, `mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id } }`, {
      p: player,
      r: hall,
    });
    const [, , left] = await lobbyWatch.received(3);
    expect(left!.roomOccupants.change).toEqual({ kind: "LEFT", playerId: player, cause: "MOVED" });
    const [, arrived] = await hallWatch.received(2);
    expect(arrived!.roomOccupants).toMatchObject({
      occupants: [{ id: player }],
      change: { kind: "JOINED", cause: "MOVED" },
    });

    // Node A dies without a word. Its entry for the player expires after the TTL, and the tick
    // leader (B, or B once it took over the lease) sweeps it.
    const killedAt = Date.now();
    a.proc.child.kill("SIGKILL");
    await a.proc.exited;
    const [, , gone] = await hallWatch.received(3);
    const tookMs = Date.now() - killedAt;
    expect(gone!.roomOccupants).toMatchObject({
      occupants: [],
      change: { kind: "LEFT", playerId: player, cause: "EXPIRED" },
    });
    // Within the lease plus a takeover and a sweep period (generous, for a busy machine).
    expect(tookMs).toBeLessThan(TTL_S * 1000 + 2 * LEASE_MS + 3000);
    // No ghost: the query on B agrees.
    const now = await call<{ roomOccupants: { occupants: unknown[] } }>(
      b.url,
      key,
      `query($r: ID!) { roomOccupants(roomId: $r) { occupants { id } } }`,
      { r: hall },
    );
    expect(now.roomOccupants.occupants).toEqual([]);
  });
});
