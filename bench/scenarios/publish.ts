// Scenario 3, publish: publishEvent from 32 concurrent callers with one game's key, and
// publishEvents (a batch per call) when the server has it; against /healthz from 32 callers,
// and against the GraphQL floor: an authenticated `{ __typename }` from the same callers with
// the same key (the credential lookup and the request pipeline, nothing else), which tells the
// cost of the publish path from that of the pipeline every operation pays.
import { HEALTHZ, httpRate, medianOf, phases, type RateFigures } from "../lib/http-rate.ts";
import { gqlBody, hasMutation, registerGame, startCluster } from "../lib/multiverse.ts";
import { absoluteRow, ratioRow, type Scenario } from "../lib/scenario.ts";
import { WorkerPool } from "../load/pool.ts";
import type { HttpRequestTemplate } from "../load/protocol.ts";

/** Events per publishEvents call. */
export const BATCH = 100;

export const publishEventRequest = (key: string): HttpRequestTemplate => ({
  method: "POST",
  path: "/graphql",
  headers: { authorization: `Bearer ${key}` },
  bodies: [
    gqlBody(`mutation($d: JSON) { publishEvent(input: { type: "bench.publish", data: $d }) { seq } }`, {
      d: { i: "__I__" },
    }),
  ],
});

/** The GraphQL floor: the same callers and credential, an operation that does nothing. */
const typenameRequest = (key: string): HttpRequestTemplate => ({
  method: "POST",
  path: "/graphql",
  headers: { authorization: `Bearer ${key}` },
  bodies: [gqlBody(`{ __typename }`)],
});

const publishEventsRequest = (key: string): HttpRequestTemplate => ({
  method: "POST",
  path: "/graphql",
  headers: { authorization: `Bearer ${key}` },
  bodies: [
    gqlBody(`mutation($i: [PublishEventInput!]!) { publishEvents(inputs: $i) { seq } }`, {
      i: Array.from({ length: BATCH }, (_, j) => ({ type: "bench.publish", data: { i: "__I__", j } })),
    }),
  ],
});

export const publish: Scenario = {
  name: "publish",
  title: "publishEvent (and publishEvents) from 32 concurrent callers, one game key",
  async run(ctx) {
    const cluster = await startCluster(1);
    const pool = await WorkerPool.start(2, "publish");
    try {
      const url = cluster.nodes[0]!.url;
      const { apiKey } = await registerGame(url, "pub");
      const batches = await hasMutation(url, "publishEvents");
      const p = phases(ctx.opts.quick);
      const healthz: RateFigures[] = [];
      const floor: RateFigures[] = [];
      const single: RateFigures[] = [];
      const batched: RateFigures[] = [];
      for (let r = 0; r < ctx.opts.runs; r++) {
        healthz.push(await httpRate(pool, url, HEALTHZ, p));
        floor.push(await httpRate(pool, url, typenameRequest(apiKey), p));
        single.push(await httpRate(pool, url, publishEventRequest(apiKey), p));
        if (batches) {
          const b = await httpRate(pool, url, publishEventsRequest(apiKey), p);
          batched.push({ ...b, rate: b.rate * BATCH });
        }
        ctx.log(
          `publish run ${r + 1}/${ctx.opts.runs}: healthz ${Math.round(healthz.at(-1)!.rate)}/s, ` +
            `{ __typename } ${Math.round(floor.at(-1)!.rate)}/s, publishEvent ${Math.round(single.at(-1)!.rate)}/s ` +
            `p50 ${single.at(-1)!.p50.toFixed(1)} ms p99 ${single.at(-1)!.p99.toFixed(1)} ms` +
            (batches ? `, publishEvents ${Math.round(batched.at(-1)!.rate)} events/s` : ""),
        );
      }
      const h = medianOf(healthz);
      const f = medianOf(floor);
      const s = medianOf(single);
      ctx.raw["healthz"] = healthz;
      ctx.raw["typename"] = floor;
      ctx.raw["publishEvent"] = single;
      ctx.raw["publishEvents"] = batches ? batched : "not available";
      const scenario = "publish (32 callers)";
      const errorNote = s.failed ? `${s.failed} failed: ${s.firstError}` : undefined;
      ctx.row({
        ...ratioRow({
          scenario,
          figure: "publishEvent rate",
          value: s.rate,
          unit: "/s",
          baseline: { name: "/healthz", value: h.rate },
        }),
        target: "≥ 3,000/s",
        met: s.failed === 0 && s.rate >= 3000,
        ...(errorNote ? { note: errorNote } : {}),
      });
      ctx.row({
        ...ratioRow({
          scenario,
          figure: "publishEvent rate (vs the GraphQL floor)",
          value: s.rate,
          unit: "/s",
          baseline: { name: "authenticated { __typename }", value: f.rate },
        }),
        ...(f.failed ? { note: `the floor: ${f.failed} failed: ${f.firstError}` } : {}),
      });
      ctx.row(
        absoluteRow(
          {
            scenario,
            figure: "publishEvent p99",
            value: s.p99,
            unit: "ms",
            baseline: { name: "/healthz", value: h.p99 },
          },
          { le: 50, label: "≤ 50 ms" },
        ),
      );
      if (batches) {
        const b = medianOf(batched);
        ctx.row({
          ...ratioRow({
            scenario,
            figure: `publishEvents rate (${BATCH} per call)`,
            value: b.rate,
            unit: "events/s",
            baseline: { name: "/healthz", value: h.rate },
          }),
          target: "≥ 20,000 events/s",
          met: b.failed === 0 && b.rate >= 20_000,
          ...(b.failed ? { note: `${b.failed} failed: ${b.firstError}` } : {}),
        });
      } else {
        ctx.row({
          scenario,
          figure: "publishEvents rate",
          value: null,
          unit: "events/s",
          note: "not available (no publishEvents in the schema)",
          target: "≥ 20,000 events/s",
          met: null,
        });
      }
    } finally {
      await pool.stop();
      await cluster.stop();
    }
  },
};
