// Query-count guards for the batched reads of docs/benchmarks.md: the nested directory read
// `{ games { realms { rooms } } }` takes 4 Postgres queries however many games, realms and rooms
// there are (DataLoaders, no N+1), and a heartbeat for many online players takes as many
// Postgres queries as one for two players, with one presence read and one presence write.
// A key's requests after its first read no key row for CREDENTIAL_CACHE_SECONDS.
// Queries are counted by the server itself: `multiverse_db_queries_total` on /metrics.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bus } from "../../server/src/platform/bus/bus.ts";
import { createRoom, issuePlayerToken, movePlayer, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { dbQueriesDuring } from "../support/metrics.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";
import { connectWs } from "../support/ws.ts";

const DIRECTORY = `{ games { id realms { id name rooms { id name } } } }`;
const HEARTBEAT = `mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`;

interface Directory {
  games: { id: string; realms: { id: string; rooms: { id: string }[] }[] }[];
}

/** Counts the calls of `methods` of `bus` (Redis round trips when there is Redis) until `restore`. */
function countCalls<K extends "alive" | "aliveWithPrefix" | "aliveWithPrefixes" | "touch">(bus: Bus, methods: K[]) {
  const calls = Object.fromEntries(methods.map((m) => [m, 0])) as Record<K, number>;
  const originals = methods.map((m) => [m, bus[m]] as const);
  for (const [m, original] of originals) {
    bus[m] = ((...args: never[]) => {
      calls[m]++;
      return (original as (...a: never[]) => unknown).apply(bus, args);
    }) as Bus[K];
  }
  return { calls, restore: () => originals.forEach(([m, original]) => (bus[m] = original)) };
}

describe("database queries of batched reads", () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.stop();
  });

  /** Registers `count` games named `<prefix>-<i>`, each with 3 realms of 2 rooms. */
  async function seedDirectory(prefix: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const g = await registerGame(s, TEST_ADMIN_TOKEN, `${prefix}-${i}`, { developerName: "Count Dev" });
      const realmIds = [g.realmId];
      for (const name of ["R1", "R2"]) {
        const r = must(
          await s.gql<{ createRealm: { id: string } }>(
            `mutation($i: CreateRealmInput!) { createRealm(input: $i) { id } }`,
            { i: { name, realmType: "t", adjacency: "a", resonance: "r" } },
            g.apiKey,
          ),
        );
        realmIds.push(r.createRealm.id);
      }
      for (const realmId of realmIds) for (const name of ["A", "B"]) await createRoom(s, g.apiKey, realmId, name);
    }
  }

  /** Reads the directory as the admin; returns the answer and the queries it took. */
  async function readDirectory(): Promise<{ directory: Directory; queries: number }> {
    let directory!: Directory;
    const queries = await dbQueriesDuring(s.url, async () => {
      directory = must(await s.gql<Directory>(DIRECTORY, {}, TEST_ADMIN_TOKEN));
    });
    return { directory, queries };
  }

  it("reads { games { realms { rooms } } } as the admin in 4 queries, however many games there are", async () => {
    await seedDirectory("dir", 3);
    const small = await readDirectory();
    expect(small.directory.games).toHaveLength(3);
    expect(small.directory.games.flatMap((g) => g.realms).flatMap((r) => r.rooms)).toHaveLength(18);
    // games, realms, the realms' games (the access check), rooms: one query per list level.
    expect(small.queries).toBe(4);

    await seedDirectory("more", 3);
    const big = await readDirectory();
    expect(big.directory.games).toHaveLength(6);
    expect(big.directory.games.flatMap((g) => g.realms).flatMap((r) => r.rooms)).toHaveLength(36);
    expect(big.queries).toBe(4);
  });

  it("reads a game key's row for its first request, not for the next ones", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "cached-key", { developerName: "Cache Dev" });
    const read = () =>
      dbQueriesDuring(s.url, async () => must(await s.gql(`{ game(id: "cached-key") { id } }`, {}, g.apiKey)));
    const first = await read();
    const second = await read();
    const third = await read();
    expect(second).toBe(first - 1); // the key lookup
    expect(third).toBe(second);
  });

  it("reads only a player's own presence entries when its connection opens and closes", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "connecting", { developerName: "Connect Dev" });
    const playerId = await upsertPlayer(s, g.apiKey, "c1");
    const token = await issuePlayerToken(s, g.apiKey, playerId);
    const bus = s.app.services.bus;
    const alive = bus.alive.bind(bus);
    const { calls, restore } = countCalls(bus, ["alive", "aliveWithPrefix"]);
    try {
      const c = connectWs(s.url, token);
      await c.connected;
      expect(calls).toEqual({ alive: 0, aliveWithPrefix: 1 }); // was it online? its own entries only
      await c.dispose();
      // Waited for through the unwrapped read, which the counts leave out.
      await waitUntil(
        "the player offline",
        async () => !(await alive(`online:${g.id}`, Date.now())).some((m) => m.startsWith(`${playerId}|`)),
      );
      expect(calls).toEqual({ alive: 0, aliveWithPrefix: 2 }); // and the release's own check
    } finally {
      restore();
    }
  });

  it("heartbeats 200 online players with the queries of 2, one presence read and one presence write", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "crowd", { developerName: "Count Dev" });
    const { prisma } = s.app.services;
    await prisma.player.createMany({
      data: Array.from({ length: 200 }, (_, i) => ({ gameId: g.id, externalId: `c${i}`, displayName: `C ${i}` })),
    });
    const ids = (await prisma.player.findMany({ where: { gameId: g.id }, select: { id: true } })).map((p) => p.id);
    // All online first: the steady state of a game server vouching for its players.
    must(await s.gql(HEARTBEAT, { ids }, g.apiKey));

    // Count the presence reads and writes in the bus (Redis round trips when there is Redis).
    const { calls, restore } = countCalls(s.app.services.bus, ["alive", "touch"]);
    try {
      const heartbeat = async (playerIds: string[]) => {
        calls.alive = calls.touch = 0;
        const queries = await dbQueriesDuring(s.url, async () =>
          must(await s.gql(HEARTBEAT, { ids: playerIds }, g.apiKey)),
        );
        return { queries, ...calls };
      };
      const few = await heartbeat(ids.slice(0, 2));
      const many = await heartbeat(ids);
      expect(many.queries).toBe(few.queries);
      expect(many).toMatchObject({ alive: 1, touch: 1 });
      expect(few).toMatchObject({ alive: 1, touch: 1 });
    } finally {
      restore();
    }
  });

  it("moves a player in 2 queries and one presence read, however full its rooms are", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "movers", { developerName: "Count Dev" });
    const [lobby, hall] = [
      await createRoom(s, g.apiKey, g.realmId, "Lobby"),
      await createRoom(s, g.apiKey, g.realmId, "Hall"),
    ];
    const { prisma } = s.app.services;
    const fill = async (prefix: string, n: number, roomId: string) => {
      await prisma.player.createMany({
        data: Array.from({ length: n }, (_, i) => ({
          gameId: g.id,
          externalId: `${prefix}${i}`,
          displayName: `${prefix} ${i}`,
          roomId,
        })),
      });
      return (await prisma.player.findMany({ where: { gameId: g.id, externalId: { startsWith: prefix } } })).map(
        (p) => p.id,
      );
    };
    const few = await fill("f", 2, lobby);
    const many = await fill("m", 200, hall);
    must(await s.gql(HEARTBEAT, { ids: [...few, ...many] }, g.apiKey)); // all online: full lists to publish
    const { calls, restore } = countCalls(s.app.services.bus, ["alive", "aliveWithPrefix", "aliveWithPrefixes"]);
    try {
      const move = async (playerId: string, roomId: string) => {
        calls.alive = calls.aliveWithPrefix = calls.aliveWithPrefixes = 0;
        // As the admin, whose token is never looked up (a key's row is, when its cache runs out).
        const queries = await dbQueriesDuring(s.url, async () =>
          must(await movePlayer(s, TEST_ADMIN_TOKEN, playerId, roomId)),
        );
        return { queries, ...calls };
      };
      const small = await move(few[0]!, hall); // out of a room of 2
      const big = await move(many[0]!, lobby); // out of a room of 200
      // The checks (the player's game and the room's, one query) and the move (one statement).
      expect(small).toEqual({ queries: 2, alive: 0, aliveWithPrefix: 0, aliveWithPrefixes: 1 });
      expect(big).toEqual(small);
    } finally {
      restore();
    }
  });
});
