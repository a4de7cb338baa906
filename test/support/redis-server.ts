import { createServer } from "node:net";
import { spawnProcess, type ServerProcess } from "./process.ts";

/**
 * A private `redis-server` for tests that make Redis go away (never stop the shared one): no
 * persistence, 127.0.0.1 only. Kill it by its PID (`kill()`), start it again on the same port
 * with `start()`; `stop()` in `afterAll`.
 */
export interface PrivateRedis {
  port: number;
  url: string;
  /** The running process, if any. */
  proc: ServerProcess | undefined;
  /** Starts it (again) on `port`; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Kills the running process (SIGKILL by default) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (free when asked: a race with other processes is possible but rare). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const r: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    proc: undefined,
    async start() {
      const proc = spawnProcess(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { PATH: process.env["PATH"] ?? "" },
      );
      r.proc = proc;
      await proc.waitFor(/Ready to accept connections/, 10_000);
    },
    async kill(signal = "SIGKILL") {
      const proc = r.proc;
      if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
      proc.child.kill(signal);
      await proc.exited;
    },
    stop: () => r.kill("SIGTERM"),
  };
  await r.start();
  return r;
}
