// Scenario 6, presence: movePlayer between 10 rooms, offered at a fixed rate (open loop) from a
// worker, while roomOccupants watchers (spread evenly over the rooms) are subscribed; the time
// from sending a move to a watcher of the room the player entered seeing it (JOINED). Baseline:
// a raw Redis PUBLISH -> SUBSCRIBE round trip, the bus under every room message.
import { randomBytes } from "node:crypto";
import { sql } from "../lib/database.ts";
import { createRoom, gql, registerGame, startCluster } from "../lib/multiverse.ts";
import { sleep } from "../lib/processes.ts";
import { redisFloor } from "../lib/redis-floor.ts";
import { absoluteRow, ratio, type Scenario } from "../lib/scenario.ts";
import { median, summarize } from "../lib/stats.ts";
import { WorkerPool } from "../load/pool.ts";
import type { MovesResult } from "../load/protocol.ts";

const ROOMS = 10;
const PLAYERS = 200;

export const presence: Scenario = {
  name: "presence",
  title: "movePlayer between 10 rooms at 1,000 moves/s offered, 1,000 roomOccupants watchers",
  async run(ctx) {
    const watchers = ctx.opts.quick ? 100 : 1000;
    const offered = ctx.opts.quick ? 100 : 1000;
    const durationMs = ctx.opts.quick ? 3_000 : 10_000;
    const cluster = await startCluster(1);
    const pool = await WorkerPool.start(ctx.opts.quick ? 1 : 2, "watchers");
    const movers = await WorkerPool.start(1, "movers");
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      const node = cluster.nodes[0]!;
      const { apiKey, realmId } = await registerGame(node.url, "rooms");
      const rooms: string[] = [];
      for (let i = 0; i < ROOMS; i++) rooms.push(await createRoom(node.url, apiKey, realmId, `room-${i}`));
      const players = await sql<{ id: string; room: number }>(
        cluster.dbUrl,
        `INSERT INTO players (id, game_id, external_id, display_name, room_id)
         SELECT gen_random_uuid(), 'rooms', 'm' || g, 'm' || g, ($1::uuid[])[1 + g % ${ROOMS}]
         FROM generate_series(0, ${PLAYERS - 1}) g RETURNING id::text, (array_position($1::uuid[], room_id) - 1) AS room`,
        [rooms],
      );
      // Online (a room's occupants are its online players), vouched for by the game's heartbeat.
      const ids = players.map((p) => p.id);
      const beat = () => gql(node.url, apiKey, `mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`, { ids });
      await beat();
      heartbeat = setInterval(() => void beat().catch(() => undefined), 4_000);

      const per = Math.ceil(watchers / pool.size);
      const opened = await pool.all("connect", (w) => {
        const count = Math.min(per, watchers - w.index * per);
        return {
          kind: "graphql-ws",
          url: node.wsUrl,
          payloads: { authorization: `Bearer ${apiKey}` },
          count,
          subscribe: rooms.map((r) => ({
            query:
              "subscription($r: ID!) { roomOccupants(roomId: $r) { roomId version change { kind playerId cause } } }",
            variables: { r },
          })),
          mode: "rooms",
          localAddress: w.localAddress,
        };
      });
      const failed = opened.reduce((s, o) => s + o.failed, 0);
      if (failed)
        throw new Error(`${failed} watchers failed to connect: ${opened.find((o) => o.firstError)?.firstError}`);
      // Every watcher has its snapshot: from then on it hears every change.
      for (let i = 0; ; i++) {
        const a = await pool.all("await", () => ({ keys: ["snapshot"], timeoutMs: 1_000 }));
        if (a.every((x) => !x.timedOut)) break;
        if (i > 60)
          throw new Error(`watchers without a snapshot after 60 s: ${JSON.stringify(a.map((x) => x.counts))}`);
      }
      await pool.all("collect", () => ({ prefix: "snapshot" }));
      const watchersPerRoom = rooms.map((_, r) => Math.floor(watchers / ROOMS) + (r < watchers % ROOMS ? 1 : 0));

      const runs: { p50: number; p99: number; achieved: number; lost: number; callP99: number; moves: MovesResult }[] =
        [];
      // A short warm-up, then the measured runs; players keep moving on from where they are.
      const where = players.map((p) => ({ id: p.id, room: Number(p.room) }));
      /** Moves of each `<room>|<player>|JOINED` in earlier runs: a watcher counts from its first, the mover from each run's. */
      const before = new Map<string, number>();
      for (let r = -1; r < ctx.opts.runs; r++) {
        const [m] = await movers.all("moves", () => ({
          base: node.url,
          key: apiKey,
          players: where,
          rooms,
          rate: offered,
          durationMs: r < 0 ? 1_000 : durationMs,
          maxInFlight: 64,
        }));
        const moves = m!;
        // Where each player ended up, for the next run.
        for (const key of Object.keys(moves.sends)) {
          const [roomId, playerId] = key.split("|");
          const p = where.find((x) => x.id === playerId)!;
          p.room = rooms.indexOf(roomId!);
        }
        let expected = 0;
        for (const [key, sends] of Object.entries(moves.sends)) {
          expected += sends.length * watchersPerRoom[rooms.indexOf(key.split("|")[0]!)]!;
        }
        // Wait for the watchers to hear every move (or to stop hearing any for 5 s).
        let last = -1;
        let lastProgress = performance.now();
        for (;;) {
          const counts = await pool.all("count", () => ({ contains: "|JOINED#" }));
          const seen = counts.reduce((s, c) => s + c.total, 0);
          if (seen >= expected) break;
          if (seen !== last) {
            last = seen;
            lastProgress = performance.now();
          } else if (performance.now() - lastProgress > 5_000) break;
          await sleep(250);
        }
        const heard = await pool.all("collect", () => ({ prefix: "", times: true }));
        const offsets = new Map(before);
        for (const [key, sends] of Object.entries(moves.sends)) before.set(key, (before.get(key) ?? 0) + sends.length);
        if (r < 0) continue;
        // The i-th JOINED of player p in room x, as each watcher saw it, is the i-th move of p into x.
        const latencies: number[] = [];
        for (const part of heard) {
          for (const [key, times] of Object.entries(part.times)) {
            const hash = key.lastIndexOf("#");
            if (hash < 0) continue;
            const base = key.slice(0, hash);
            const sentAt = moves.sends[base]?.[Number(key.slice(hash + 1)) - (offsets.get(base) ?? 0)];
            if (sentAt === undefined) continue;
            for (const at of times) latencies.push(at - sentAt);
          }
        }
        const s = summarize(latencies);
        const run = {
          p50: s.p50,
          p99: s.p99,
          achieved: (moves.ok / moves.elapsedMs) * 1000,
          lost: expected - latencies.length,
          callP99: summarize(moves.callLatencies).p99,
          moves,
        };
        runs.push(run);
        ctx.log(
          `presence run ${r + 1}/${ctx.opts.runs}: ${Math.round(run.achieved)} moves/s of ${offered} offered ` +
            `(${moves.skipped} not sent, ${moves.failed} failed), move→watcher p50 ${s.p50.toFixed(1)} ms p99 ${s.p99.toFixed(1)} ms, lost ${run.lost}`,
        );
      }
      const floor = await redisFloor(`${cluster.redisPrefix}bench-floor-${randomBytes(2).toString("hex")}`, 200);
      ctx.raw["runs"] = runs.map(({ moves, ...r }) => ({
        ...r,
        offered: moves.offered,
        ok: moves.ok,
        failed: moves.failed,
        skipped: moves.skipped,
        firstError: moves.firstError,
      }));
      ctx.raw["redisFloor"] = floor;
      const scenario = `presence (${watchers} watchers, ${ROOMS} rooms)`;
      const p99 = median(runs.map((r) => r.p99));
      const achieved = median(runs.map((r) => r.achieved));
      const firstError = runs.find((r) => r.moves.firstError)?.moves.firstError;
      ctx.row({
        ...absoluteRow(
          {
            scenario,
            figure: "move→watcher p99",
            value: p99,
            unit: "ms",
            baseline: { name: "Redis pub/sub p99", value: floor.p99 },
          },
          { le: 50, label: "≤ 50 ms" },
        ),
        ratio: ratio(p99, floor.p99),
      });
      ctx.row({
        scenario,
        figure: "move→watcher p50",
        value: median(runs.map((r) => r.p50)),
        unit: "ms",
        baseline: { name: "Redis pub/sub p50", value: floor.p50 },
        ratio: ratio(median(runs.map((r) => r.p50)), floor.p50),
      });
      ctx.row({
        ...absoluteRow(
          { scenario, figure: `moves/s achieved (${offered} offered)`, value: achieved, unit: "/s" },
          { ge: offered * 0.95, label: `${offered}/s` },
        ),
        ...(firstError ? { note: firstError } : {}),
      });
      ctx.row({ scenario, figure: "movePlayer call p99", value: median(runs.map((r) => r.callP99)), unit: "ms" });
      // Not necessarily lost: a watcher drops a room message that is not newer than the last it
      // sent (two moves into one room published out of order), and the newer one lists the player.
      ctx.row({
        scenario,
        figure: "JOINED changes a watcher did not see (superseded or lost)",
        value: runs.reduce((s, r) => s + r.lost, 0),
        unit: "",
      });
    } finally {
      clearInterval(heartbeat);
      await movers.stop();
      await pool.stop();
      await cluster.stop();
    }
  },
};
