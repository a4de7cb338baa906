// Scenario 5, tick: the control tick with 10,000 registered active games (seeded straight into
// the database), idle (nothing to deliver) and while NEXT_TICK events are being published.
// Each tick's duration is the server's own (`durationMs` of the `ticks` subscription, the same
// figure the multiverse_tick_duration_seconds histogram on /metrics observes); the histogram's
// 1 ms and 5 ms buckets are read too. Baseline: a one-row UPDATE transaction on Postgres from
// the driver (the floor of any tick, which commits one).
import pg from "pg";
import { sql } from "../lib/database.ts";
import { httpRate } from "../lib/http-rate.ts";
import { ADMIN, gqlBody, readMetric, registerGame, startCluster } from "../lib/multiverse.ts";
import { sleep } from "../lib/processes.ts";
import { absoluteRow, type Scenario } from "../lib/scenario.ts";
import { summarize } from "../lib/stats.ts";
import { subscriber } from "../load/graphql-ws-client.ts";
import { WorkerPool } from "../load/pool.ts";

interface TickSample {
  durationMs: number;
  eventsPropagated: number;
  gamesSynced: number;
}

/** p99 of `n` one-row UPDATE transactions on the database, one at a time. */
async function postgresFloor(dbUrl: string, n: number): Promise<number> {
  await sql(
    dbUrl,
    "CREATE TABLE IF NOT EXISTS bench_floor (id int PRIMARY KEY, n bigint); INSERT INTO bench_floor VALUES (1, 0) ON CONFLICT DO NOTHING",
  );
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const times: number[] = [];
    for (let i = 0; i < n + 20; i++) {
      const t = performance.now();
      await c.query("BEGIN");
      await c.query("UPDATE bench_floor SET n = n + 1 WHERE id = 1 RETURNING n");
      await c.query("COMMIT");
      if (i >= 20) times.push(performance.now() - t);
    }
    return summarize(times).p99;
  } finally {
    await c.end();
  }
}

export const tick: Scenario = {
  name: "tick",
  title: "control tick duration with 10,000 active games, idle and delivering NEXT_TICK events",
  async run(ctx) {
    const games = ctx.opts.quick ? 500 : 10_000;
    const phaseMs = ctx.opts.quick ? 3_000 : 15_000;
    const cluster = await startCluster(1, { TICK_HZ: "10" });
    const pool = await WorkerPool.start(1, "tick");
    const samples: TickSample[] = [];
    let collecting = false;
    try {
      const node = cluster.nodes[0]!;
      const { apiKey } = await registerGame(node.url, "tick-source");
      await sql(
        cluster.dbUrl,
        `INSERT INTO games (id, name, developer_name, api_key_hash)
         SELECT 'tick-' || g, 'tick-' || g, 'Bench', md5('tick-key-' || g) FROM generate_series(1, $1::int) g`,
        [games - 1],
      );
      const ticks = subscriber({
        url: node.wsUrl,
        payload: { authorization: `Bearer ${ADMIN}` },
        query: "subscription { ticks { number durationMs gamesSynced eventsPropagated } }",
        onNext: (text) => {
          if (!collecting) return;
          const t = (JSON.parse(text) as { payload: { data: { ticks: TickSample } } }).payload.data.ticks;
          samples.push(t);
        },
        onClose: () => undefined,
      });
      await ticks.opened;
      try {
        // Warm: the tick's queries and plans with every game there.
        await sleep(3_000);
        const idle: TickSample[] = [];
        const busy: TickSample[] = [];
        const publishing: number[] = [];
        for (let r = 0; r < ctx.opts.runs; r++) {
          samples.length = 0;
          collecting = true;
          await sleep(phaseMs);
          idle.push(...samples.filter((s) => s.eventsPropagated === 0));
          samples.length = 0;
          const load = await httpRate(
            pool,
            node.url,
            {
              method: "POST",
              path: "/graphql",
              headers: { authorization: `Bearer ${apiKey}` },
              bodies: [
                gqlBody(
                  `mutation($d: JSON) { publishEvent(input: { type: "bench.tick", delivery: NEXT_TICK, data: $d }) { id } }`,
                  { d: { i: "__I__" } },
                ),
              ],
            },
            { concurrency: 4, warmupMs: 0, durationMs: phaseMs },
          );
          collecting = false;
          publishing.push(load.rate);
          busy.push(...samples.filter((s) => s.eventsPropagated > 0));
          ctx.log(
            `tick run ${r + 1}/${ctx.opts.runs}: ${idle.length} idle and ${busy.length} delivering ticks so far; NEXT_TICK publishes ${Math.round(load.rate)}/s`,
          );
        }
        const floor = await postgresFloor(cluster.dbUrl, ctx.opts.quick ? 100 : 500);
        const hist = await readMetric(node.url, "multiverse_tick_duration_seconds_bucket");
        const count = hist.get('{le="+Inf"}') ?? 0;
        const within = (le: string) => (count ? (hist.get(`{le="${le}"}`) ?? 0) / count : NaN);
        const i = summarize(idle.map((s) => s.durationMs));
        const b = summarize(busy.map((s) => s.durationMs));
        const perTick = summarize(busy.map((s) => s.eventsPropagated));
        ctx.raw["idle"] = i;
        ctx.raw["busy"] = { ...b, eventsPerTickP50: perTick.p50, publishesPerSecond: publishing };
        ctx.raw["histogram"] = Object.fromEntries(hist);
        ctx.raw["postgresFloorP99"] = floor;
        ctx.raw["gamesSynced"] = samples[0]?.gamesSynced ?? busy[0]?.gamesSynced ?? null;
        const scenario = `tick (${games.toLocaleString("en-US")} games)`;
        const base = { name: "Postgres 1-row txn p99", value: floor };
        ctx.row(
          absoluteRow(
            {
              scenario,
              figure: `p99, delivering (${perTick.p50} events/tick p50)`,
              value: b.p99,
              unit: "ms",
              baseline: base,
              ratio: b.p99 / floor,
            },
            { le: 5, label: "≤ 5 ms" },
          ),
        );
        ctx.row(
          absoluteRow(
            {
              scenario,
              figure: "p99, nothing to deliver",
              value: i.p99,
              unit: "ms",
              baseline: base,
              ratio: i.p99 / floor,
            },
            { le: 1, label: "≤ 1 ms" },
          ),
        );
        ctx.row({ scenario, figure: "ticks ≤ 5 ms (/metrics histogram)", value: within("0.005") * 100, unit: "%" });
        ctx.row({ scenario, figure: "ticks ≤ 1 ms (/metrics histogram)", value: within("0.001") * 100, unit: "%" });
      } finally {
        ticks.close();
      }
    } finally {
      await pool.stop();
      await cluster.stop();
    }
  },
};
