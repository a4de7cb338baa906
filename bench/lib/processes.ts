// Every process the benchmark starts goes through here, so that all of them are killed when it
// ends: normally, on an error, or on Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository's root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const children = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<unknown>>();

// Last resort: whatever way the benchmark ends, no child outlives it.
process.once("exit", () => children.forEach((c) => c.kill("SIGKILL")));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping every process the benchmark started\n`);
    children.forEach((c) => c.kill("SIGKILL"));
    const done = Promise.allSettled([...cleanups].map((f) => f()));
    void Promise.race([done, new Promise((r) => setTimeout(r, 5_000))]).then(() => process.exit(130));
  });
}

/** Runs `f` (dropping a database, deleting keys) if the benchmark is interrupted before it does. */
export function onInterrupt(f: () => Promise<unknown>): () => void {
  cleanups.add(f);
  return () => cleanups.delete(f);
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<unknown>;
  /** The last 20,000 characters of its stdout and stderr. */
  output(): string;
  /** Resolves with the first match of `re` in its output; rejects if it exits first or after `ms`. */
  waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node <script>` (`node --import tsx <script>` for a TypeScript one) through bash, which
 * first raises its open-files limit to the hard limit (so one process can hold as many sockets as
 * the machine allows); `exec` keeps the pid, and with `ipc` the IPC channel, the node process's own.
 */
export function startNode(
  name: string,
  script: string,
  env: Record<string, string | undefined>,
  options: { ipc?: boolean; nodeArgs?: string[] } = {},
): Proc {
  const tsx = script.endsWith(".ts") ? ["--import", "tsx"] : [];
  const args = [...(options.nodeArgs ?? []), ...tsx, script].map((a) => `'${a}'`).join(" ");
  const child = spawn("bash", ["-c", `ulimit -n "$(ulimit -Hn)"; exec '${process.execPath}' ${args}`], {
    cwd: ROOT,
    env,
    stdio: options.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  const waiters = new Set<() => void>();
  const exited = new Promise<unknown>((resolve) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
      waiters.forEach((w) => w());
    }),
  );
  const onData = (chunk: Buffer) => {
    out = (out + chunk.toString("utf8")).slice(-20_000);
    waiters.forEach((w) => w());
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const proc: Proc = {
    name,
    child,
    pid: child.pid!,
    exited,
    output: () => out,
    waitFor(re, ms) {
      return withTimeout(
        new Promise<RegExpMatchArray>((resolve, reject) => {
          const check = () => {
            const m = out.match(re);
            if (m) {
              waiters.delete(check);
              resolve(m);
            } else if (child.exitCode !== null || child.signalCode !== null) {
              waiters.delete(check);
              reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${out.slice(-4000)}`));
            }
          };
          waiters.add(check);
          check();
        }),
        ms,
        `${name} to print ${re}`,
      );
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await withTimeout(exited, graceMs, `${name} to exit`).catch(() => {
        child.kill("SIGKILL");
        return exited;
      });
    },
  };
  return proc;
}

/** Resident memory of process `pid` in bytes (VmRSS in /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** The open-files hard limit of this machine's processes (`ulimit -Hn`). */
export function openFilesHardLimit(): number {
  const m = readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+\d+\s+(\d+|unlimited)/m);
  return m && m[1] !== "unlimited" ? Number(m[1]) : 1_048_576;
}

/** The 1, 5 and 15 minute load averages. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = readFileSync("/proc/loadavg", "utf8").split(" ").map(Number);
  return [a!, b!, c!];
}
