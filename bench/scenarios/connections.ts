// Scenario 2, connections: N concurrent graphql-ws connections, each with one `events`
// subscription, held for a while with no error; the server's resident memory (VmRSS of its pid
// in /proc/<pid>/status) per subscribed connection above the idle process, against a raw ws
// server holding as many. Subscribers are who SUBSCRIBE_AS says (bench/lib/targets.ts): the
// admin unless BENCH_SUBSCRIBE_AS=players.
import { growTo, waitUntilLive, type BroadcastTarget } from "../lib/broadcast.ts";
import { openFilesHardLimit, rssBytes, sleep } from "../lib/processes.ts";
import { ratioRow, type Scenario, zeroRow } from "../lib/scenario.ts";
import { broadcastTargetsFor, multiverseTarget, SUBSCRIBE_AS, type StoppableTarget } from "../lib/targets.ts";
import { WorkerPool } from "../load/pool.ts";

/** The contract's count; one process cannot hold more sockets than its open-files hard limit. */
const WANTED = 20_000;

/** Subscribers connected before the idle memory is read (they warm the paths up). */
const WARM = 10;

interface Held {
  n: number;
  idleRss: number;
  heldRss: number;
  maxRss: number;
  perConnectionKiB: number;
  errors: number;
  connectSeconds: number;
  firstError?: string;
}

async function hold(
  target: BroadcastTarget,
  pid: number,
  n: number,
  holdMs: number,
  workers: number,
  log: (m: string) => void,
): Promise<Held> {
  const pool = await WorkerPool.start(workers, `conn-${target.name}`);
  try {
    // Warm: a few subscribers and probes, then let it settle before reading the idle memory.
    await growTo(pool, target, WARM);
    await waitUntilLive(pool, target, WARM, "warm");
    await sleep(2_000);
    const idleRss = rssBytes(pid);
    const t = performance.now();
    await growTo(pool, target, n);
    const connectSeconds = (performance.now() - t) / 1000;
    await waitUntilLive(pool, target, n, "held");
    log(`${target.name}: ${n} connections subscribed in ${connectSeconds.toFixed(1)} s; holding ${holdMs / 1000} s`);
    let maxRss = rssBytes(pid);
    const end = performance.now() + holdMs;
    while (performance.now() < end) {
      await sleep(Math.min(5_000, Math.max(0, end - performance.now())));
      maxRss = Math.max(maxRss, rssBytes(pid));
    }
    // Every one still there and still subscribed.
    await waitUntilLive(pool, target, n, "after");
    const heldRss = rssBytes(pid);
    const status = await pool.all("status", () => ({}));
    const open = status.reduce((s, x) => s + x.open, 0);
    // Every client that is not open any more counts, however it ended.
    const errors = Math.max(
      status.reduce((s, x) => s + x.errors, 0),
      n - open,
    );
    const firstError = status.find((x) => x.firstError)?.firstError;
    return {
      n,
      idleRss,
      heldRss,
      maxRss,
      perConnectionKiB: (heldRss - idleRss) / (n - WARM) / 1024,
      errors,
      connectSeconds,
      ...(firstError ? { firstError } : {}),
    };
  } finally {
    await pool.stop();
  }
}

export const connections: Scenario = {
  name: "connections",
  title: `${WANTED.toLocaleString("en-US")} concurrent subscribed connections held, memory per connection (RSS from /proc/<pid>/status)`,
  async run(ctx) {
    const limit = openFilesHardLimit();
    // Headroom for the server's own descriptors (Postgres pool, Redis, listening socket, stdio).
    const n = ctx.opts.quick ? 500 : Math.min(WANTED, limit - 500);
    const holdMs = ctx.opts.quick ? 5_000 : 60_000;
    const workers = ctx.opts.quick ? 2 : 4;
    if (!ctx.opts.quick && n < WANTED)
      ctx.log(`connections: ${n} instead of ${WANTED}: the open-files hard limit here is ${limit} per process`);
    const results: Record<string, Held> = {};
    const measure = async (name: string, start: () => Promise<StoppableTarget>) => {
      const target = await start();
      try {
        results[name] = await hold(target, target.pid, n, holdMs, workers, ctx.log);
        const r = results[name];
        ctx.log(
          `${name}: idle ${(r.idleRss / 2 ** 20).toFixed(0)} MiB, held ${(r.heldRss / 2 ** 20).toFixed(0)} MiB ` +
            `(max ${(r.maxRss / 2 ** 20).toFixed(0)}), ${r.perConnectionKiB.toFixed(1)} KiB per connection, ${r.errors} errors`,
        );
      } finally {
        await target.stop();
      }
    };
    await measure("ws", () => broadcastTargetsFor("ws", n));
    await measure("multiverse", () => multiverseTarget(1, n, { as: SUBSCRIBE_AS }));
    ctx.raw["results"] = results;
    ctx.raw["openFilesHardLimit"] = limit;
    const mv = results["multiverse"];
    const ws = results["ws"];
    const scenario =
      !ctx.opts.quick && n < WANTED
        ? `connections N=${n} (not ${WANTED}: open-files hard limit ${limit})`
        : `connections N=${n}`;
    ctx.row(
      zeroRow({ scenario, figure: `errors while held ${holdMs / 1000} s`, value: mv ? mv.errors : null, unit: "" }),
    );
    const perConnection = mv?.perConnectionKiB ?? null;
    ctx.row({
      ...ratioRow({
        scenario,
        figure: "RSS per subscribed connection",
        value: perConnection,
        unit: "KiB",
        baseline: { name: "raw ws", value: ws?.perConnectionKiB ?? null },
      }),
      target: "≤ 10 KiB",
      met: perConnection === null ? null : perConnection <= 10,
    });
    ctx.row({
      scenario,
      figure: "connect time (batches of 1,000)",
      value: mv?.connectSeconds ?? null,
      unit: "s",
      baseline: { name: "raw ws", value: ws?.connectSeconds ?? null },
    });
  },
};
