// The processes a fault run needs, and the faults themselves: a private redis-server that may be
// killed and started again, a TCP proxy in front of Postgres that may be cut and restored (the
// shared Postgres is never touched), and server nodes in production mode over both. Each node
// also sits behind a proxy of its own for its clients, like a load balancer, so that a fault
// can drop every client connection at once and make the clients come back and resume.
//
// Nothing here needs vitest: `npm run soak` runs it as a plain script, and the fault tests with
// a database cloned from the suites' template.
import { randomBytes } from "node:crypto";
import { startServerProcess, type ServerProcess } from "../test/support/process.ts";
import { startPrivateRedis, type PrivateRedis } from "../test/support/redis-server.ts";
import { startTcpProxy, type TcpProxy } from "../test/support/tcp-proxy.ts";

export interface RigNode {
  proc: ServerProcess;
  /** The node itself, for /readyz and /metrics. */
  directUrl: string;
  /** The clients' way to the node (through its proxy). */
  url: string;
  clientProxy: TcpProxy;
}

/** A dependency taken away for a while. */
export type FaultKind = "redis" | "postgres";

/** What one outage looked like from the nodes. */
export interface OutageRecord {
  kind: FaultKind;
  /** When it was cut, ms since the rig started. */
  atMs: number;
  /** How long the dependency was away. */
  downMs: number;
  /** Per node: /readyz answered 503 naming this dependency `unreachable` during the outage. */
  reported: boolean[];
  /** Per node: how long after the restore /readyz answered 200 again. */
  recoveredMs: number[];
}

export interface Rig {
  nodes: RigNode[];
  /** The database itself (not through the proxy), for checks that must not depend on the fault. */
  databaseUrl: string;
  adminToken: string;
  /**
   * Takes `kind` away for at least `minMs` (and until every node's /readyz reported it, at most
   * `reportTimeoutMs`), dropping every client connection as it goes, then brings it back and
   * waits until every node is ready again.
   */
  outage(kind: FaultKind, minMs: number): Promise<OutageRecord>;
  /** Each node's resident memory in bytes (its own /metrics). */
  rss(): Promise<number[]>;
  stop(): Promise<void>;
}

export interface RigOptions {
  /** A migrated database (not through any proxy). */
  databaseUrl: string;
  /** Default 2. */
  nodes?: number;
  /** Settings added to every node's. */
  env?: Record<string, string>;
  log?: (message: string) => void;
}

/** How long a node may take to report an outage on /readyz, and to be ready after it (its checks wait 2 s). */
const READYZ_TIMEOUT_MS = 15_000;

async function readyz(url: string): Promise<{ status: number; checks: Record<string, string> }> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { checks?: Record<string, string> };
    return { status: res.status, checks: body.checks ?? {} };
  } catch {
    return { status: 0, checks: {} };
  }
}

/** The value of `name` in the Prometheus text at `url`/metrics. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  if (!m) throw new Error(`${name} is not in ${url}/metrics`);
  return Number(m[1]);
}

/** Polls `check` every 50 ms until it is true; false if `timeoutMs` passed first. */
async function pollUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const adminToken = `soak-admin-${randomBytes(12).toString("hex")}`;
  // One secret for every node: a player token issued by one is good on the other.
  const jwtSecret = randomBytes(24).toString("hex");
  const redis: PrivateRedis = await startPrivateRedis();
  const target = new URL(options.databaseUrl);
  const pgProxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const proxied = new URL(options.databaseUrl);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(pgProxy.port);

  const nodes: RigNode[] = [];
  const stop = async () => {
    await Promise.all(
      nodes.map(async ({ proc, clientProxy }) => {
        if (proc.child.exitCode === null && proc.child.signalCode === null) {
          proc.child.kill("SIGTERM");
          await proc.exited;
        }
        await clientProxy.stop();
      }),
    );
    await pgProxy.stop();
    await redis.stop();
  };

  try {
    for (let i = 0; i < (options.nodes ?? 2); i++) {
      const { proc, url } = await startServerProcess({
        DATABASE_URL: proxied.toString(),
        REDIS_URL: redis.url,
        ADMIN_TOKEN: adminToken,
        JWT_SECRET: jwtSecret,
        // Low, so that presence converges within seconds after a fault.
        PRESENCE_TTL_SECONDS: "3",
        // A soak must not end in expired tokens or in the load's own rate limit.
        PLAYER_TOKEN_TTL_SECONDS: "86400",
        RATE_LIMIT_EVENTS_PER_SECOND: "100000",
        SHUTDOWN_GRACE_SECONDS: "3",
        // One line per operation for 30 minutes would only fill this process's memory.
        LOG_LEVEL: "warn",
        ...options.env,
      });
      const port = Number(new URL(url).port);
      const clientProxy = await startTcpProxy("127.0.0.1", port);
      nodes.push({ proc, directUrl: url, url: `http://127.0.0.1:${clientProxy.port}`, clientProxy });
      log(`node ${i} up at ${url} (pid ${proc.child.pid}), clients through :${clientProxy.port}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const take = { redis: () => redis.kill(), postgres: () => pgProxy.stop() };
  const restore = { redis: () => redis.start(), postgres: () => pgProxy.start() };
  const checkName = { redis: "redis", postgres: "postgres" };

  return {
    nodes,
    databaseUrl: options.databaseUrl,
    adminToken,
    async outage(kind, minMs) {
      const atMs = Date.now() - started;
      const cutAt = Date.now();
      await take[kind]();
      // Every client loses its connection too, so they come back (and resume) while it is away.
      for (const n of nodes) {
        await n.clientProxy.stop();
        await n.clientProxy.start();
      }
      const reported = await Promise.all(
        nodes.map((n) =>
          pollUntil(async () => {
            const r = await readyz(n.directUrl);
            return r.status === 503 && r.checks[checkName[kind]] === "unreachable";
          }, READYZ_TIMEOUT_MS),
        ),
      );
      const left = minMs - (Date.now() - cutAt);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      await restore[kind]();
      const downMs = Date.now() - cutAt;
      const backAt = Date.now();
      const recoveredMs = await Promise.all(
        nodes.map(async (n) => {
          const ok = await pollUntil(async () => (await readyz(n.directUrl)).status === 200, READYZ_TIMEOUT_MS);
          if (!ok) throw new Error(`node ${n.directUrl} not ready ${READYZ_TIMEOUT_MS} ms after ${kind} came back`);
          return Date.now() - backAt;
        }),
      );
      log(`${kind} away ${downMs} ms; reported by ${reported.filter(Boolean).length}/${nodes.length} nodes`);
      return { kind, atMs, downMs, reported, recoveredMs };
    },
    rss: () => Promise.all(nodes.map((n) => metric(n.directUrl, "multiverse_process_resident_memory_bytes"))),
    stop,
  };
}
