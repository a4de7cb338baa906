// One fault round (Redis, then Postgres, each away for a while with the clients dropped), and
// the soak: the mixed load with a round every few minutes, memory read after the warm-up and at
// the end. The fault test runs one round; `npm run soak` runs as many as its time allows.
import { MixedLoad, type LoadFigures, type MixedLoadOptions } from "./mixed-load.ts";
import type { OutageRecord, Rig } from "./rig.ts";

/** Redis killed and started again, then Postgres cut and restored: each away `outageMs` at least. */
export async function faultRound(rig: Rig, outageMs: number): Promise<OutageRecord[]> {
  return [await rig.outage("redis", outageMs), await rig.outage("postgres", outageMs)];
}

export interface SoakOptions {
  /** How long the load runs, warm-up included. */
  durationMs: number;
  /** Load only, before the first fault and the first memory reading. */
  warmupMs: number;
  /** A fault round starts this long after the previous one started (or after the warm-up). */
  faultEveryMs: number;
  outageMs: number;
  load?: Omit<MixedLoadOptions, "urls" | "adminToken" | "databaseUrl" | "log">;
  log?: (message: string) => void;
}

export interface SoakResult {
  durationMs: number;
  outages: OutageRecord[];
  figures: LoadFigures;
  memory: {
    /** Per node, bytes. */
    afterWarmup: number[];
    atEnd: number[];
    /** Per node, atEnd / afterWarmup. */
    ratio: number[];
  };
  /** Acknowledged events lost (not stored, or not received by some subscriber). */
  lost: number;
  /** Events stored or received more than once. */
  duplicated: number;
}

export async function soak(rig: Rig, o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => undefined);
  const startedAt = Date.now();
  const load = new MixedLoad({
    ...o.load,
    urls: rig.nodes.map((n) => n.url),
    adminToken: rig.adminToken,
    databaseUrl: rig.databaseUrl,
    log,
  });
  const outages: OutageRecord[] = [];
  try {
    await load.start();
    const until = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - (Date.now() - startedAt))));
    await until(o.warmupMs);
    const afterWarmup = await rig.rss();
    log(`after warm-up: ${progress(load)}; server RSS ${afterWarmup.map(mib).join(", ")}`);
    for (let next = o.warmupMs; next + o.faultEveryMs / 2 < o.durationMs; next += o.faultEveryMs) {
      await until(next);
      outages.push(...(await faultRound(rig, o.outageMs)));
      log(`round ${outages.length / 2} done: ${progress(load)}`);
    }
    await until(o.durationMs);
    await load.stop();
    const atEnd = await rig.rss();
    const figures = await load.verify();
    const lost = figures.stored.lost + figures.received.lost + figures.received.failed.length;
    const duplicated = figures.stored.duplicated + figures.received.duplicated + figures.received.outOfOrder;
    return {
      durationMs: Date.now() - startedAt,
      outages,
      figures,
      memory: { afterWarmup, atEnd, ratio: atEnd.map((b, i) => b / afterWarmup[i]!) },
      lost,
      duplicated,
    };
  } finally {
    await load.close();
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function progress(load: MixedLoad): string {
  return `${load.acknowledged} acknowledged, received ${load.received.join("/")}`;
}

/** The result as the lines `npm run soak` prints. */
export function report(r: SoakResult): string {
  const f = r.figures;
  const ops = f.operations;
  const lines = [
    `duration            ${(r.durationMs / 1000).toFixed(0)} s, ${r.outages.length} outages`,
    `operations          ${ops.publishes} publishes (${ops.publishRetries} retries), ${ops.moves} moves (${ops.movesFailed} failed), ${ops.connects} player connects`,
    `events acknowledged ${f.acknowledged}`,
    `events stored       ${f.stored.rows} (lost ${f.stored.lost}, duplicated ${f.stored.duplicated})`,
    `events received     ${f.received.perSubscriber.join(", ")} (lost ${f.received.lost}, duplicated ${f.received.duplicated}, out of order ${f.received.outOfOrder}, unknown ${f.received.unknown})`,
    `subscribers failed  ${f.received.failed.length}${f.received.failed.map((m) => `\n  ${m}`).join("")}`,
    `presence            ${f.presence.online} online, ${f.presence.connected} connected (online not connected ${f.presence.onlineNotConnected}, connected not online ${f.presence.connectedNotOnline})`,
    `unexpected errors   ${JSON.stringify(f.unexpectedErrors)}`,
    `readyz reported     ${r.outages.filter((o) => o.reported.every(Boolean)).length}/${r.outages.length} outages on every node`,
    ...r.memory.afterWarmup.map(
      (b, i) =>
        `node ${i} RSS          ${mib(b)} after warm-up, ${mib(r.memory.atEnd[i]!)} at the end (x${r.memory.ratio[i]!.toFixed(3)})`,
    ),
    `LOST ${r.lost}  DUPLICATED ${r.duplicated}`,
  ];
  return lines.join("\n");
}
