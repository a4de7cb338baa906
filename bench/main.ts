// `npm run bench`: every scenario of issue 11 against real server processes in production mode,
// with its baselines measured in the same run, load from worker processes. Prints one table,
// writes bench/results/latest.json and (full runs with fanout) docs/fanout-p99.svg.
//
//   npm run bench                        every scenario, 3 runs each
//   npm run bench -- --quick             a short smoke run: small N, short phases, 1 run
//   npm run bench -- --only fanout,tick  only these scenarios
//   npm run bench -- --runs 5            runs per figure (the median is reported)
//   npm run bench -- --chart             only redraw docs/fanout-p99.svg from latest.json
//   npm run bench -- --out file.json     write the results there instead of latest.json
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { loadAverage, ROOT } from "./lib/processes.ts";
import type { BroadcastFigures } from "./lib/broadcast.ts";
import type { Row, Scenario, ScenarioContext } from "./lib/scenario.ts";
import { fanoutChart } from "./report.ts";
import { formatTable } from "./report.ts";
import { api } from "./scenarios/api.ts";
import { connections } from "./scenarios/connections.ts";
import { fanout } from "./scenarios/fanout.ts";
import { presence } from "./scenarios/presence.ts";
import { publish } from "./scenarios/publish.ts";
import { register } from "./scenarios/register.ts";
import { tick } from "./scenarios/tick.ts";
import { twoNodes } from "./scenarios/two-nodes.ts";

const SCENARIOS: Scenario[] = [api, fanout, connections, publish, register, tick, presence, twoNodes];
const CHART = `${ROOT}/docs/fanout-p99.svg`;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    runs: { type: "string" },
    chart: { type: "boolean", default: false },
    out: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

const RESULTS = values.out ?? `${ROOT}/bench/results/latest.json`;

if (values.help) {
  process.stdout.write(
    `npm run bench [-- --quick] [--only ${SCENARIOS.map((s) => s.name).join(",")}] [--runs N] [--out file] [--chart]\n\n` +
      SCENARIOS.map((s) => `  ${s.name.padEnd(12)} ${s.title}`).join("\n") +
      "\n",
  );
  process.exit(0);
}

const log = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** Colyseus is a peer of the benchmark only: installed into bench/node_modules on first use. */
function ensurePeersInstalled(): void {
  if (existsSync(`${ROOT}/bench/node_modules/@colyseus/core/package.json`)) return;
  log("installing the benchmark's peers (Colyseus) into bench/node_modules: npm ci --prefix bench");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--prefix", "bench"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) log("npm ci in bench/ failed: Colyseus will be reported as not available");
}

const FANOUT_COLORS: Record<string, [string, string]> = {
  multiverse: ["Multiverse", "#d62728"],
  ws: ["raw ws (floor)", "#2ca02c"],
  "graphql-ws": ["plain graphql-ws", "#1f77b4"],
  colyseus: ["Colyseus", "#ff7f0e"],
};

function drawChart(results: { date: string; load: number[]; raw: Record<string, Record<string, unknown>> }): void {
  const series = results.raw["fanout"]?.["series"] as Record<string, BroadcastFigures[]> | undefined;
  if (!series) throw new Error(`${RESULTS} has no fanout series: run the fanout scenario first`);
  const chart = fanoutChart(
    Object.entries(FANOUT_COLORS).map(([k, [label, color]]) => ({
      label,
      color,
      points: (series[k] ?? []).map((f) => ({ n: f.n, p99: f.p99 })),
    })),
    `${results.date.slice(0, 10)}, 2 cores, load ${results.load.map((l) => l.toFixed(2)).join(" ")}; median of runs`,
  );
  writeFileSync(CHART, chart);
  log(`wrote ${CHART}`);
}

async function main(): Promise<number> {
  if (values.chart) {
    drawChart(JSON.parse(readFileSync(RESULTS, "utf8")) as Parameters<typeof drawChart>[0]);
    return 0;
  }
  const quick = values.quick;
  const runs = values.runs ? Number(values.runs) : quick ? 1 : 3;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  const only = values.only
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length)
    throw new Error(`unknown scenario(s) ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));
  if (selected.some((s) => s.name === "fanout")) ensurePeersInstalled();

  const uptime = spawnSync("uptime", { encoding: "utf8" }).stdout.trim();
  const load = loadAverage();
  log(`uptime before the run: ${uptime}`);
  const started = performance.now();
  const rows: Row[] = [];
  const raw: Record<string, Record<string, unknown>> = {};
  const failed: string[] = [];
  for (const s of selected) {
    log(`scenario ${s.name}: ${s.title}`);
    const t = performance.now();
    const ctx: ScenarioContext = {
      opts: { quick, runs, runsGiven: values.runs !== undefined },
      row: (r) => rows.push(r),
      raw: (raw[s.name] = {}),
      log,
    };
    try {
      await s.run(ctx);
    } catch (err) {
      failed.push(s.name);
      const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
      log(`scenario ${s.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      rows.push({ scenario: s.name, figure: "failed", value: null, unit: "", note: message.slice(0, 200) });
    }
    raw[s.name]!["seconds"] = (performance.now() - t) / 1000;
    log(`scenario ${s.name} took ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  const seconds = (performance.now() - started) / 1000;
  const loadAfter = loadAverage();
  const results = {
    date: new Date().toISOString(),
    uptimeBefore: uptime,
    load,
    loadAfter,
    options: { quick, runs, only: only ?? null },
    seconds,
    rows,
    raw,
  };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

  process.stdout.write(
    `\nMultiverse benchmark${quick ? " (--quick: smoke run, figures mean nothing)" : ""}: ${runs} run(s) per figure, median; ` +
      `load average before ${load.map((l) => l.toFixed(2)).join(" ")}, after ${loadAfter.map((l) => l.toFixed(2)).join(" ")}; ` +
      `${Math.round(seconds)} s\n\n${formatTable(rows)}\n\nwrote ${RESULTS}\n`,
  );
  if (!quick && !values.out && raw["fanout"]?.["series"]) drawChart(results);
  return failed.length ? 1 : 0;
}

process.exitCode = await main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return 1;
});
// Whatever is still open (a socket, a timer) must not keep the benchmark alive.
process.exit();
