import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { startServerProcess, type ServerProcess } from "./process.ts";
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from "./server.ts";

export interface ClusterNode {
  proc: ServerProcess;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
}

export interface Cluster {
  nodes: ClusterNode[];
  db: TestDatabase;
  /** The settings every node got; start another node with them. */
  env: Record<string, string>;
  /** Starts one more node like the others. */
  addNode(extra?: Record<string, string>): Promise<ClusterNode>;
  stop(): Promise<void>;
}

/** True when multi-node suites can run (they need real Postgres and Redis). */
export const canCluster = (): boolean => inject("postgresUrl") !== "" && inject("redisUrl") !== "";

/**
 * `n` real server processes (production mode) sharing one fresh Postgres database and one Redis
 * namespace, each on its own free port. `env` is added to every node's settings.
 */
export async function startCluster(n: number, env: Record<string, string> = {}): Promise<Cluster> {
  const db = await createTestDatabase();
  if (!db.url) throw new Error("a cluster needs a real Postgres (see canCluster)");
  const shared = {
    DATABASE_URL: db.url,
    REDIS_URL: inject("redisUrl"),
    REDIS_KEY_PREFIX: `test:${randomBytes(4).toString("hex")}:`,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: "info",
    ...env,
  };
  const nodes: ClusterNode[] = [];
  const addNode = async (extra: Record<string, string> = {}) => {
    const { proc, url } = await startServerProcess({ ...shared, ...extra });
    const node = { proc, url };
    nodes.push(node);
    return node;
  };
  const stop = async () => {
    await Promise.all(
      nodes.map(async ({ proc }) => {
        if (proc.child.exitCode === null && proc.child.signalCode === null) {
          proc.child.kill("SIGTERM");
          await proc.exited;
        }
      }),
    );
    await db.drop();
  };
  try {
    for (let i = 0; i < n; i++) await addNode();
  } catch (err) {
    await stop(); // the nodes already started would outlive the suite otherwise
    throw err;
  }
  return { nodes, db, env: shared, addNode, stop };
}
