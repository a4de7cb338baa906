// Scenario 1, fanout: one broadcast `events` to N subscribers (players of one game), against the
// raw ws floor, a plain graphql-ws server and Colyseus at the same N.
import { broadcastTargetsFor, colyseusAvailable } from "../lib/targets.ts";
import { measureBroadcast, type BroadcastFigures } from "../lib/broadcast.ts";
import { WorkerPool } from "../load/pool.ts";
import { ratioRow, type Scenario, type ScenarioContext, zeroRow } from "../lib/scenario.ts";

export const EVENTS = 30;
export const GAP_MS = 20;

type TargetName = "multiverse" | "ws" | "graphql-ws" | "colyseus";
const LABEL: Record<TargetName, string> = {
  multiverse: "Multiverse",
  ws: "raw ws",
  "graphql-ws": "plain graphql-ws",
  colyseus: "Colyseus",
};

export const fanout: Scenario = {
  name: "fanout",
  title: `broadcast events to N subscribers, ${EVENTS} events ${GAP_MS} ms apart`,
  async run(ctx: ScenarioContext) {
    const ns = ctx.opts.quick ? [200] : [1000, 5000, 10000];
    const workers = 2;
    const order: TargetName[] = ["ws", "multiverse", "graphql-ws", "colyseus"];
    const figures: Partial<Record<TargetName, BroadcastFigures[]>> = {};
    const errors: Partial<Record<TargetName, string>> = {};
    for (const name of order) {
      if (name === "colyseus" && !colyseusAvailable()) {
        errors[name] = "not installed (npm ci --prefix bench failed)";
        continue;
      }
      const target = await broadcastTargetsFor(name, ns[ns.length - 1]!);
      const pool = await WorkerPool.start(workers, `fanout-${name}`);
      try {
        figures[name] = await measureBroadcast(pool, target, ns, {
          // A run at 10,000 takes minutes today: once, unless --runs says otherwise (the time budget).
          runs: (n) => (n >= 10_000 && !ctx.opts.runsGiven ? 1 : ctx.opts.runs),
          events: EVENTS,
          gapMs: GAP_MS,
          warmup: 5,
          log: ctx.log,
        });
      } catch (err) {
        errors[name] = err instanceof Error ? err.message.split("\n")[0]! : String(err);
        ctx.log(`fanout ${name} failed: ${errors[name]}`);
      } finally {
        await pool.stop();
        await target.stop();
      }
    }
    ctx.raw["series"] = figures;
    ctx.raw["errors"] = errors;
    const at = (t: TargetName, n: number) => figures[t]?.find((f) => f.n === n) ?? null;
    for (const n of ns) {
      const mv = at("multiverse", n);
      const ws = at("ws", n);
      const scenario = `fanout N=${n}`;
      const note = errors.multiverse ? `failed: ${errors.multiverse}` : undefined;
      ctx.row(
        ratioRow({
          scenario,
          figure: "p50 publish→receive",
          value: mv?.p50 ?? null,
          unit: "ms",
          baseline: { name: "raw ws", value: ws?.p50 ?? null },
          ...(note ? { note } : {}),
        }),
      );
      ctx.row(
        ratioRow(
          {
            scenario,
            figure: "p99 publish→receive",
            value: mv?.p99 ?? null,
            unit: "ms",
            baseline: { name: "raw ws", value: ws?.p99 ?? null },
          },
          { le: 1.5, label: "≤ 1.5x raw ws" },
        ),
      );
      ctx.row(
        ratioRow(
          {
            scenario,
            figure: "delivery rate",
            value: mv?.rate ?? null,
            unit: "/s",
            baseline: { name: "raw ws", value: ws?.rate ?? null },
          },
          { ge: 0.6, label: "≥ 0.6x raw ws" },
        ),
      );
      ctx.row(zeroRow({ scenario, figure: "lost deliveries", value: mv?.lost ?? null, unit: "" }));
      ctx.row(
        zeroRow({ scenario, figure: "repeated or out-of-order deliveries", value: mv?.repeated ?? null, unit: "" }),
      );
      const connectS = (t: TargetName) =>
        figures[t] ? figures[t].filter((f) => f.n <= n).reduce((sum, f) => sum + f.connectMs, 0) / 1000 : null;
      ctx.row(
        ratioRow({
          scenario,
          figure: "time to connect all (batches of 1,000)",
          value: connectS("multiverse"),
          unit: "s",
          baseline: { name: "raw ws", value: connectS("ws") },
        }),
      );
      for (const peer of ["graphql-ws", "colyseus"] as const) {
        const p = at(peer, n);
        const why = errors[peer] ? `${LABEL[peer]}: ${errors[peer]}` : undefined;
        ctx.row(
          ratioRow({
            scenario,
            figure: `p99 vs ${LABEL[peer]}`,
            value: mv?.p99 ?? null,
            unit: "ms",
            baseline: { name: LABEL[peer], value: p?.p99 ?? null },
            ...(why ? { note: why } : {}),
          }),
        );
        ctx.row(
          ratioRow({
            scenario,
            figure: `rate vs ${LABEL[peer]}`,
            value: mv?.rate ?? null,
            unit: "/s",
            baseline: { name: LABEL[peer], value: p?.rate ?? null },
          }),
        );
      }
      for (const peer of ["ws", "graphql-ws", "colyseus"] as const) {
        const p = at(peer, n);
        if (p && p.lost > 0) ctx.row({ scenario, figure: `${LABEL[peer]} lost deliveries`, value: p.lost, unit: "" });
        if (p && p.repeated > 0)
          ctx.row({ scenario, figure: `${LABEL[peer]} repeated deliveries`, value: p.repeated, unit: "" });
      }
    }
  },
};
