// Scenario api: latency of the main API operations, one request at a time from a worker, against
// GET /healthz measured in the same run (the HTTP floor). The per-operation table the benchmark
// has printed since issue 2 (docs/benchmarks.md), now against a server process in production mode.
import { sql } from "../lib/database.ts";
import { ADMIN, createRoom, gql, gqlBody, registerGame, startCluster } from "../lib/multiverse.ts";
import { ratio, type Scenario } from "../lib/scenario.ts";
import { median, summarize } from "../lib/stats.ts";
import { WorkerPool } from "../load/pool.ts";
import type { HttpRequestTemplate } from "../load/protocol.ts";

/** Players the game vouches for in one heartbeat (all online after the first call). */
const HEARTBEAT_PLAYERS = 200;
/** Games in the directory besides "bench", each with 3 realms of 2 rooms (the nested query's load). */
const DIRECTORY_GAMES = 20;

async function seedDirectory(url: string): Promise<void> {
  for (let g = 0; g < DIRECTORY_GAMES; g++) {
    const game = await registerGame(url, `dir-${g}`);
    const realmIds = [game.realmId];
    for (const name of ["R1", "R2"]) {
      const r = await gql<{ createRealm: { id: string } }>(
        url,
        game.apiKey,
        `mutation($i: CreateRealmInput!) { createRealm(input: $i) { id } }`,
        {
          i: { name, realmType: "t", adjacency: "a", resonance: "r" },
        },
      );
      realmIds.push(r.createRealm.id);
    }
    for (const realmId of realmIds) for (const name of ["A", "B"]) await createRoom(url, game.apiKey, realmId, name);
  }
}

const post = (credential: string, ...bodies: string[]): HttpRequestTemplate => ({
  method: "POST",
  path: "/graphql",
  headers: { authorization: `Bearer ${credential}` },
  bodies,
});

export const api: Scenario = {
  name: "api",
  title: "per-operation latency, sequential requests, against GET /healthz",
  async run(ctx) {
    const n = ctx.opts.quick ? 30 : 200;
    const cluster = await startCluster(1);
    const pool = await WorkerPool.start(1, "api");
    try {
      const url = cluster.nodes[0]!.url;
      const { apiKey: key, realmId } = await registerGame(url, "bench");
      const rooms = [await createRoom(url, key, realmId, "A"), await createRoom(url, key, realmId, "B")];
      const [player] = await sql<{ id: string }>(
        cluster.dbUrl,
        `INSERT INTO players (id, game_id, external_id, display_name) VALUES (gen_random_uuid(), 'bench', 'p', 'p') RETURNING id::text`,
      );
      await seedDirectory(url);
      const crowd = (
        await sql<{ id: string }>(
          cluster.dbUrl,
          `INSERT INTO players (id, game_id, external_id, display_name)
           SELECT gen_random_uuid(), 'bench', 'crowd-' || g, 'crowd-' || g FROM generate_series(1, ${HEARTBEAT_PLAYERS}) g RETURNING id::text`,
        )
      ).map((r) => r.id);
      const move = (r: string) =>
        gqlBody(`mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id } }`, { p: player!.id, r });
      const ops: { name: string; request: HttpRequestTemplate }[] = [
        { name: "GET /healthz (baseline)", request: { method: "GET", path: "/healthz" } },
        { name: "query games", request: post(key, gqlBody("{ games { id name status } }")) },
        {
          name: `query games { realms { rooms } } (admin, ${DIRECTORY_GAMES + 1} games)`,
          request: post(ADMIN, gqlBody("{ games { id realms { id name rooms { id name } } } }")),
        },
        {
          name: "query events(first: 50)",
          request: post(key, gqlBody("{ events(first: 50) { nodes { seq type data } } }")),
        },
        { name: "mutation movePlayer", request: post(key, move(rooms[0]!), move(rooms[1]!)) },
        {
          name: `mutation heartbeat (${HEARTBEAT_PLAYERS} players, online)`,
          request: post(key, gqlBody(`mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids: crowd })),
        },
        {
          name: "mutation publishEvent",
          request: post(
            key,
            gqlBody(`mutation($d: JSON) { publishEvent(input: { type: "bench", data: $d }) { seq } }`, {
              d: { i: "__I__" },
            }),
          ),
        },
      ];
      const figures: Record<string, { p50: number[]; p99: number[]; ratio: number[] }> = {};
      for (let r = 0; r < ctx.opts.runs; r++) {
        const [res] = await pool.all("sequential", () => ({ base: url, ops, warmup: 20, n, idPrefix: `r${r}-` }));
        if (res!.firstError) throw new Error(res!.firstError);
        const floor = summarize(res!.latencies[ops[0]!.name]!).p50;
        for (const op of ops) {
          const s = summarize(res!.latencies[op.name]!);
          const f = (figures[op.name] ??= { p50: [], p99: [], ratio: [] });
          f.p50.push(s.p50);
          f.p99.push(s.p99);
          f.ratio.push(s.p50 / floor);
        }
        ctx.log(`api run ${r + 1}/${ctx.opts.runs} done`);
      }
      ctx.raw["operations"] = figures;
      const healthz = figures[ops[0]!.name]!;
      for (const op of ops.slice(1)) {
        const f = figures[op.name]!;
        for (const q of ["p50", "p99"] as const) {
          ctx.row({
            scenario: "api (sequential)",
            figure: `${op.name} ${q}`,
            value: median(f[q]),
            unit: "ms",
            baseline: { name: `/healthz ${q}`, value: median(healthz[q]) },
            ratio: ratio(median(f[q]), median(healthz[q])),
          });
        }
      }
    } finally {
      await pool.stop();
      await cluster.stop();
    }
  },
};
