// Resuming `events` with `since` on one node of two while publishers on both nodes keep
// publishing: the subscriber (real WebSocket, on node A) replays a backlog of several pages and
// goes live, hearing B's events through Redis, and must get exactly the log after `since`,
// each seq once, in order.
import pg from "pg";
import { afterAll, beforeAll, describe, it } from "vitest";
import { canCluster, startCluster, type Cluster } from "../support/cluster.ts";
import { expectResumeUnderLoad, LOAD_TIMEOUT_MS, RESUME_ENV } from "../support/resume.ts";

describe.skipIf(!canCluster())("resuming events under load on two nodes", () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster(2, RESUME_ENV);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it(
    "a subscriber on A resuming with since over three replay pages, stalling it twice while 2 publishers on each node publish, gets every logged seq once, in order",
    async () => {
      const [a, b] = c.nodes;
      await expectResumeUnderLoad({
        subscriber: a!.url,
        publishers: [a!.url, b!.url],
        publishersPerNode: 2,
        backlog: 1_200,
        appendBacklog: async (sql) => {
          const client = new pg.Client({ connectionString: c.db.url });
          await client.connect();
          try {
            return BigInt((await client.query<{ since: string }>(sql)).rows[0]!.since);
          } finally {
            await client.end();
          }
        },
      });
    },
    LOAD_TIMEOUT_MS,
  );
});
