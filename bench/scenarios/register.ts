// Scenario 4, register: registerGame (as the admin) from 32 concurrent callers, each a new game;
// against /healthz from 32 callers.
import { HEALTHZ, httpRate, medianOf, phases, type RateFigures } from "../lib/http-rate.ts";
import { ADMIN, gqlBody, startCluster } from "../lib/multiverse.ts";
import { ratioRow, type Scenario } from "../lib/scenario.ts";
import { WorkerPool } from "../load/pool.ts";

export const register: Scenario = {
  name: "register",
  title: "registerGame from 32 concurrent callers",
  async run(ctx) {
    const cluster = await startCluster(1);
    const pool = await WorkerPool.start(2, "register");
    try {
      const url = cluster.nodes[0]!.url;
      const request = {
        method: "POST" as const,
        path: "/graphql",
        headers: { authorization: `Bearer ${ADMIN}` },
        bodies: [
          gqlBody(
            `mutation($id: String!) { registerGame(input: { id: $id, name: $id, developerName: "Bench",
              realm: { name: "R0", realmType: "t", adjacency: "a", resonance: "r" } }) { apiKey } }`,
            { id: "g-__I__" },
          ),
        ],
      };
      const p = phases(ctx.opts.quick);
      const healthz: RateFigures[] = [];
      const games: RateFigures[] = [];
      for (let r = 0; r < ctx.opts.runs; r++) {
        healthz.push(await httpRate(pool, url, HEALTHZ, p));
        games.push(await httpRate(pool, url, request, p));
        ctx.log(
          `register run ${r + 1}/${ctx.opts.runs}: healthz ${Math.round(healthz.at(-1)!.rate)}/s, registerGame ${Math.round(games.at(-1)!.rate)}/s`,
        );
      }
      const h = medianOf(healthz);
      const g = medianOf(games);
      ctx.raw["healthz"] = healthz;
      ctx.raw["registerGame"] = games;
      const scenario = "register (32 callers)";
      ctx.row({
        ...ratioRow({
          scenario,
          figure: "registerGame rate",
          value: g.rate,
          unit: "/s",
          baseline: { name: "/healthz", value: h.rate },
        }),
        target: "≥ 1,000/s",
        met: g.failed === 0 && g.rate >= 1000,
        ...(g.failed ? { note: `${g.failed} failed: ${g.firstError}` } : {}),
      });
      ctx.row({
        scenario,
        figure: "registerGame p99",
        value: g.p99,
        unit: "ms",
        baseline: { name: "/healthz", value: h.p99 },
      });
    } finally {
      await pool.stop();
      await cluster.stop();
    }
  },
};
