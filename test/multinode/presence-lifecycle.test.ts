// Presence over time, on real server processes with a short PRESENCE_TTL_SECONDS and their own
// private redis-server: a connected player stays online across many TTLs (its node renews it); a
// node stopped cleanly (SIGTERM) takes its player offline at once (DISCONNECTED); a node that
// dies (SIGKILL) leaves its player online until the entry's TTL has run (EXPIRED), drops out of
// `universe { nodes }`, and the tick leader's sweep removes its registry entry; while Redis is
// away a player connection is refused with 1013 and leaves nothing behind once Redis is back.
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster, type ClusterNode } from "../support/cluster.ts";
import { gql } from "../support/graphql.ts";
import { startPrivateRedis, type PrivateRedis } from "../support/redis-server.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { waitUntil, within } from "../support/wait.ts";
import { connectWs, subscribe, type TestSubscription, type TestWsClient } from "../support/ws.ts";

const TTL_S = 2;
const TTL_MS = TTL_S * 1000;
const GAME = "lifecycle";
const PRESENCE = `subscription { presence { playerId online cause } }`;
const ROOM = `subscription($r: ID!) { roomOccupants(roomId: $r) { version occupants { id } change { kind playerId cause } } }`;

interface PresenceMsg {
  presence: { playerId: string; online: boolean; cause: string };
}
interface RoomMsg {
  roomOccupants: {
    version: string;
    occupants: { id: string }[];
    change: { kind: string; playerId: string; cause: string } | null;
  };
}

async function call<T>(node: ClusterNode, credential: string, query: string, variables: Record<string, unknown> = {}) {
  const r = await gql<T>(node.url, query, variables, credential);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!;
}

/** The message at `index` of `sub` (0-based), and when it had arrived. */
async function nth<T>(sub: TestSubscription<T>, index: number, ms: number, what: string) {
  const values = await within(sub.received(index + 1), ms, () => what);
  return { value: values[index]!, at: Date.now() };
}

describe.skipIf(!canCluster())("presence lifecycle with a short TTL", () => {
  let redis: PrivateRedis;
  let tap: Redis;
  let c: Cluster;
  /** Holds the player in the renewal and SIGTERM tests; never leads the tick. */
  let a: ClusterNode;
  /** The watcher's node and the only tick leader (so its chores run on a known node). */
  let b: ClusterNode;
  /** Holds the player in the SIGKILL tests; never leads the tick. */
  let dying: ClusterNode;
  let key: string;
  let lobby: string;
  let player: string;
  let token: string;
  let other: string;
  let otherToken: string;
  let watcher: TestWsClient;
  let presence: TestSubscription<PresenceMsg>;
  let room: TestSubscription<RoomMsg>;
  const open: TestWsClient[] = [];
  const ws = async (node: ClusterNode, credential: string) => {
    const client = connectWs(node.url, credential);
    open.push(client);
    await client.connected;
    return client;
  };
  const prefix = () => c.env["REDIS_KEY_PREFIX"]!;
  /** The node's name in the registry (`<host>-<pid>-<random>`). */
  const nodeId = async (node: ClusterNode) => {
    const ids = await tap.zrange(`${prefix()}nodes`, 0, -1);
    const id = ids.find((n) => n.startsWith(`${hostname()}-${node.proc.child.pid}-`));
    if (!id) throw new Error(`node ${node.url} is not in the registry: ${ids.join(", ")}`);
    return id;
  };
  const onlineOn = async (node: ClusterNode) =>
    (await call<{ players: { id: string }[] }>(node, key, `{ players(online: true) { id } }`)).players.map((p) => p.id);
  const universe = async (node: ClusterNode) =>
    (
      await call<{ universe: { playersOnline: number | null; nodes: string[] } }>(
        node,
        TEST_ADMIN_TOKEN,
        `{ universe { playersOnline nodes } }`,
      )
    ).universe;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    tap = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    tap.on("error", () => undefined);
    const env = { REDIS_URL: redis.url, PRESENCE_TTL_SECONDS: String(TTL_S), TICK_HZ: "0" };
    c = await startCluster(1, env);
    a = c.nodes[0]!;
    [b, dying] = await Promise.all([c.addNode({ TICK_HZ: "10", TICK_LEASE_MS: "500" }), c.addNode()]);

    const reg = await call<{ registerGame: { apiKey: string; game: { realms: { id: string }[] } } }>(
      b,
      TEST_ADMIN_TOKEN,
      `mutation { registerGame(input: { id: "${GAME}", name: "Lifecycle", developerName: "Ada",
         realm: { name: "R", realmType: "t", adjacency: "a", resonance: "r" } }) { apiKey game { realms { id } } } }`,
    );
    key = reg.registerGame.apiKey;
    lobby = (
      await call<{ createRoom: { id: string } }>(
        b,
        key,
        `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }`,
        {
          i: { realmId: reg.registerGame.game.realms[0]!.id, name: "Lobby" },
        },
      )
    ).createRoom.id;
    const newPlayer = async (externalId: string) => {
      const id = (
        await call<{ upsertPlayer: { id: string } }>(
          b,
          key,
          `mutation($e: String!) { upsertPlayer(input: { externalId: $e, displayName: $e }) { id } }`,
          { e: externalId },
        )
      ).upsertPlayer.id;
      await call(b, key, `mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id } }`, {
        p: id,
        r: lobby,
      });
      const { issuePlayerToken } = await call<{ issuePlayerToken: { token: string } }>(
        b,
        key,
        `mutation($p: ID!) { issuePlayerToken(playerId: $p) { token } }`,
        { p: id },
      );
      return [id, issuePlayerToken.token] as const;
    };
    [player, token] = await newPlayer("p1");
    [other, otherToken] = await newPlayer("p2");

    // The watcher: the game's key on node B, on the game's presence and the player's room.
    watcher = await ws(b, key);
    presence = subscribe<PresenceMsg>(watcher, PRESENCE);
    room = subscribe<RoomMsg>(watcher, ROOM, { r: lobby });
    const [snapshot] = await room.received(1);
    expect(snapshot!.roomOccupants).toMatchObject({ occupants: [], change: null });
  }, 180_000);
  afterAll(async () => {
    await Promise.all(open.map((x) => x.dispose()));
    tap?.disconnect();
    await c?.stop();
    await redis?.stop();
  });

  let held: TestWsClient;

  it("keeps a connected player online over three TTLs: renewed, no offline message, players(online: true) names it", async () => {
    const p0 = presence.values.length;
    const r0 = room.values.length;
    held = await ws(a, token);
    expect((await nth(presence, p0, 5_000, "CONNECTED")).value.presence).toEqual({
      playerId: player,
      online: true,
      cause: "CONNECTED",
    });
    expect((await nth(room, r0, 5_000, "JOINED")).value.roomOccupants.change).toEqual({
      kind: "JOINED",
      playerId: player,
      cause: "CONNECTED",
    });

    // Over three TTLs, as seen from node B and in Redis: node A keeps renewing the player's entry
    // (its expiry moves forward) and its own registry entry, and the player never looks offline.
    const aId = await nodeId(a);
    const entry = `${player}|${aId}`;
    const expiries = new Set<string>();
    const start = Date.now();
    await waitUntil(
      "three TTLs to pass with the player online",
      async () => {
        expect(await onlineOn(b), "players(online: true) on node B").toContain(player);
        expect((await universe(b)).nodes, "universe { nodes } on node B").toContain(aId);
        const expiry = await tap.zscore(`${prefix()}online:${GAME}`, entry);
        expect(Number(expiry), "the player's entry expires in the future").toBeGreaterThan(Date.now());
        expiries.add(expiry!);
        return Date.now() - start >= 3 * TTL_MS;
      },
      3 * TTL_MS + 10_000,
    );
    // Renewed every TTL/3: about nine times; at least a few, however busy the machine.
    expect(expiries.size).toBeGreaterThanOrEqual(4);
    expect(presence.values.slice(p0 + 1)).toEqual([]);
    expect(room.values.slice(r0 + 1)).toEqual([]);
    expect(held.socket()?.readyState).toBe(held.socket()?.OPEN);
  });

  it("takes the player offline (DISCONNECTED) well within the TTL when its node gets SIGTERM", async () => {
    const p0 = presence.values.length;
    const r0 = room.values.length;
    const signalledAt = Date.now();
    a.proc.child.kill("SIGTERM");
    // Waits long enough to see a wrong EXPIRED arrive, rather than time out.
    const off = await nth(presence, p0, 3 * TTL_MS, "the player to go offline");
    expect(off.value.presence).toEqual({ playerId: player, online: false, cause: "DISCONNECTED" });
    expect(off.at - signalledAt).toBeLessThan(TTL_MS / 2);
    const left = await nth(room, r0, 3 * TTL_MS, "the player to leave the room");
    expect(left.value.roomOccupants).toMatchObject({
      occupants: [],
      change: { kind: "LEFT", playerId: player, cause: "DISCONNECTED" },
    });
    expect(left.at - signalledAt).toBeLessThan(TTL_MS / 2);
    expect(await held.closed).toEqual({ code: 1001, reason: "Server shutting down" });
    expect(await a.proc.exited).toBe(0);
    expect(await onlineOn(b)).not.toContain(player);
  });

  let killedAt: number;
  let dyingId: string;

  it("keeps a SIGKILLed node's player online until its entry's TTL has run, then EXPIRED", async () => {
    const p0 = presence.values.length;
    const r0 = room.values.length;
    await ws(dying, token);
    expect((await nth(presence, p0, 5_000, "CONNECTED")).value.presence.cause).toBe("CONNECTED");
    await nth(room, r0, 5_000, "JOINED");
    dyingId = await nodeId(dying);

    killedAt = Date.now();
    dying.proc.child.kill("SIGKILL");
    expect(await dying.proc.exited).toBe("SIGKILL");
    // Nobody renews it now: the entry's expiry is final. Renewed every TTL/3, it runs out at
    // least two thirds of a TTL after the kill, and at most one TTL after it.
    const expiresAt = Number(await tap.zscore(`${prefix()}online:${GAME}`, `${player}|${dyingId}`));
    expect(expiresAt - killedAt).toBeGreaterThanOrEqual((2 * TTL_MS) / 3 - 100);
    expect(expiresAt - killedAt).toBeLessThanOrEqual(TTL_MS);

    const off = await nth(presence, p0 + 1, TTL_MS + 5_000, "the player to expire");
    expect(off.value.presence).toEqual({ playerId: player, online: false, cause: "EXPIRED" });
    // Not before the entry ran out (and not long after: the leader sweeps once a second).
    expect(off.at).toBeGreaterThanOrEqual(expiresAt);
    expect(off.at - killedAt).toBeGreaterThanOrEqual((2 * TTL_MS) / 3 - 100);
    expect(off.at - expiresAt).toBeLessThan(3_000);
    const left = await nth(room, r0 + 1, 5_000, "the player to leave the room");
    expect(left.value.roomOccupants).toMatchObject({
      occupants: [],
      change: { kind: "LEFT", playerId: player, cause: "EXPIRED" },
    });
    expect(left.at).toBeGreaterThanOrEqual(expiresAt);
    expect(await onlineOn(b)).not.toContain(player);
  });

  it("drops the SIGKILLed node from universe { nodes } after the TTL, and the leader's sweep deletes its registry entry", async () => {
    // Continues from the SIGKILL above.
    const registry = `${prefix()}nodes`;
    const bId = await nodeId(b);
    const expiresAt = Number(await tap.zscore(registry, dyingId));
    expect(expiresAt - killedAt).toBeLessThanOrEqual(TTL_MS);
    await waitUntil(
      "universe { nodes } to leave out the killed node",
      async () => !(await universe(b)).nodes.includes(dyingId),
      TTL_MS + 5_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect((await universe(b)).nodes).toEqual([bId]);
    // The entry itself stays in Redis until the tick leader's node sweep (every 10 s) removes it.
    await waitUntil(
      "the tick leader to sweep the killed node's registry entry",
      async () => (await tap.zscore(registry, dyingId)) === null,
      10_000 + TTL_MS + 5_000,
    );
    expect(await tap.zrange(registry, 0, -1)).toEqual([bId]);
  });

  it("refuses a player connection with 1013 while Redis is away (playersOnline null, nodes empty) and leaves it offline once Redis is back", async () => {
    const bId = await nodeId(b);
    await redis.kill();

    const refused = connectWs(b.url, token);
    open.push(refused);
    expect(await within(refused.closed, 10_000, () => "the connection to be closed")).toEqual({
      code: 1013,
      reason: "Presence is unavailable: try again shortly",
    });
    expect(await universe(b)).toEqual({ playersOnline: null, nodes: [] });

    // Redis comes back (empty) on the same port: the node announces itself again.
    await redis.start();
    await waitUntil(
      "node B to read and announce itself in Redis again",
      async () => {
        const u = await universe(b);
        return u.playersOnline !== null && u.nodes.includes(bId);
      },
      15_000,
    );
    // Once node B has renewed what it holds (seen on another player's entry), the refused
    // connection has left nothing behind: only the other player is online.
    await ws(b, otherToken);
    const entry = `${other}|${bId}`;
    const first = await tap.zscore(`${prefix()}online:${GAME}`, entry);
    await waitUntil(
      "node B to renew its players",
      async () => Number(await tap.zscore(`${prefix()}online:${GAME}`, entry)) > Number(first),
      TTL_MS + 5_000,
    );
    expect(await onlineOn(b)).toEqual([other]);
    expect((await universe(b)).playersOnline).toBe(1);
  });
});
