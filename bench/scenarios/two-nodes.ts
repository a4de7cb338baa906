// Scenario 7, two nodes: the fan-out and publish measurements on one server process, then on two
// sharing Postgres and Redis (subscribers split between them, events and publishers alternating
// between their HTTP APIs); two nodes should do at least 1.6x one node's rate. Baseline: a raw
// Redis PUBLISH -> SUBSCRIBE round trip, the floor of cross-node delivery.
import { measureBroadcast } from "../lib/broadcast.ts";
import { httpRate, medianOf, phases } from "../lib/http-rate.ts";
import { registerGame } from "../lib/multiverse.ts";
import { redisFloor } from "../lib/redis-floor.ts";
import { ratio, type Scenario, zeroRow } from "../lib/scenario.ts";
import { multiverseTarget, SUBSCRIBE_AS } from "../lib/targets.ts";
import { WorkerPool } from "../load/pool.ts";
import { EVENTS, GAP_MS } from "./fanout.ts";
import { publishEventRequest } from "./publish.ts";

interface NodeFigures {
  fanout: { p50: number; p99: number; rate: number; lost: number; repeated: number };
  publish: { rate: number; p99: number; failed: number; firstError?: string };
}

export const twoNodes: Scenario = {
  name: "two-nodes",
  title: "fan-out and publishEvent on one node, then on two nodes sharing Postgres and Redis",
  async run(ctx) {
    const n = ctx.opts.quick ? 200 : 5000;
    const out: Record<string, NodeFigures> = {};
    for (const nodes of [1, 2]) {
      const target = await multiverseTarget(nodes, n, { as: SUBSCRIBE_AS });
      const pool = await WorkerPool.start(ctx.opts.quick ? 2 : 4, `two-nodes-${nodes}`);
      try {
        const [f] = await measureBroadcast(pool, target, [n], {
          runs: ctx.opts.runs,
          events: EVENTS,
          gapMs: GAP_MS,
          warmup: 5,
          log: ctx.log,
        });
        await pool.all("close", () => ({}));
        const { apiKey } = await registerGame(target.cluster.nodes[0]!.url, "pub");
        const urls = target.cluster.nodes.map((x) => x.url);
        const runs = [];
        for (let r = 0; r < ctx.opts.runs; r++)
          runs.push(await httpRate(pool, urls, publishEventRequest(apiKey), phases(ctx.opts.quick)));
        const p = medianOf(runs);
        out[String(nodes)] = {
          fanout: { p50: f!.p50, p99: f!.p99, rate: f!.rate, lost: f!.lost, repeated: f!.repeated },
          publish: p,
        };
        ctx.log(
          `${nodes} node(s): fan-out ${Math.round(f!.rate)} deliveries/s p99 ${f!.p99.toFixed(1)} ms; publishEvent ${Math.round(p.rate)}/s`,
        );
      } finally {
        await pool.stop();
        await target.stop();
      }
    }
    const floor = await redisFloor(`bench-floor-${process.pid}`, 200);
    ctx.raw["nodes"] = out;
    ctx.raw["redisFloor"] = floor;
    const one = out["1"]!;
    const two = out["2"]!;
    const scenario = `two nodes (N=${n})`;
    const scaled = (figure: string, two: number, one: number) => {
      const q = ratio(two, one);
      return {
        scenario,
        figure,
        value: two,
        unit: "/s",
        baseline: { name: "1 node", value: one },
        ratio: q,
        target: "≥ 1.6x 1 node",
        met: q === null ? null : q >= 1.6,
      };
    };
    ctx.row(scaled("fan-out rate, 2 nodes", two.fanout.rate, one.fanout.rate));
    ctx.row({
      ...scaled("publishEvent rate, 2 nodes (32 callers)", two.publish.rate, one.publish.rate),
      ...(two.publish.failed ? { note: `${two.publish.failed} failed: ${two.publish.firstError}` } : {}),
    });
    ctx.row({
      scenario,
      figure: "fan-out p99, 2 nodes",
      value: two.fanout.p99,
      unit: "ms",
      baseline: { name: "1 node", value: one.fanout.p99 },
      ratio: ratio(two.fanout.p99, one.fanout.p99),
    });
    ctx.row({
      scenario,
      figure: "fan-out p50, 2 nodes",
      value: two.fanout.p50,
      unit: "ms",
      baseline: { name: "Redis pub/sub p50", value: floor.p50 },
      ratio: ratio(two.fanout.p50, floor.p50),
    });
    ctx.row(zeroRow({ scenario, figure: "lost deliveries, 2 nodes", value: two.fanout.lost, unit: "" }));
    ctx.row(
      zeroRow({
        scenario,
        figure: "repeated or out-of-order deliveries, 2 nodes",
        value: two.fanout.repeated,
        unit: "",
      }),
    );
  },
};
