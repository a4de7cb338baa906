// Acknowledged means committed: a node killed (SIGKILL, no goodbye) while many callers publish
// through the group commit (publishEvent and publishEvents) loses no event it answered, and
// the log stays gapless: the events a killed batch held are either all stored or none.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster } from "../support/cluster.ts";
import { gql } from "../support/graphql.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";

const ONE = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { id seq } }`;
const MANY = `mutation($i: [PublishEventInput!]!) { publishEvents(inputs: $i) { id seq } }`;

describe.skipIf(!canCluster())("publishing through a node that is killed", () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster(1, { TICK_HZ: "0", RATE_LIMIT_EVENTS_PER_SECOND: "1000000" });
  });
  afterAll(() => c?.stop());

  it("every event answered before the SIGKILL is stored, and the seqs stay gapless", async () => {
    const node = c.nodes[0]!;
    const acknowledged: { id: string; seq: string }[] = [];
    let stop = false;
    let failures = 0;
    const caller = async (k: number) => {
      for (let n = 0; !stop; n++) {
        try {
          const r =
            k % 4 === 0
              ? await gql<{ publishEvents: { id: string; seq: string }[] }>(
                  node.url,
                  MANY,
                  { i: Array.from({ length: 5 }, (_, j) => ({ type: "durable", data: { k, n, j } })) },
                  TEST_ADMIN_TOKEN,
                )
              : await gql<{ publishEvent: { id: string; seq: string } }>(
                  node.url,
                  ONE,
                  { i: { type: "durable", data: { k, n } } },
                  TEST_ADMIN_TOKEN,
                );
          if (r.errors || !r.data) throw new Error(JSON.stringify(r.errors));
          const d = r.data as {
            publishEvents?: { id: string; seq: string }[];
            publishEvent?: { id: string; seq: string };
          };
          acknowledged.push(...(d.publishEvents ?? [d.publishEvent!]));
        } catch {
          failures++; // the node is gone: this call was never answered
          return;
        }
      }
    };
    const callers = Array.from({ length: 16 }, (_, k) => caller(k));
    // Kill it mid-stream, once a good number of publishes were answered.
    await waitUntil("200 acknowledged events", () => acknowledged.length >= 200);
    node.proc.child.kill("SIGKILL");
    expect(await node.proc.exited).toBe("SIGKILL");
    stop = true;
    await Promise.all(callers);
    expect(failures).toBeGreaterThan(0); // some calls were in flight when it died

    const db = new pg.Client({ connectionString: c.db.url! });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string; seq: string }>(
        `SELECT id, seq::text AS seq FROM events WHERE type = 'durable' ORDER BY events.seq`,
      );
      const stored = new Map(rows.map((r) => [r.id, r.seq]));
      // Every acknowledged event is there, with the seq it was answered with.
      expect(acknowledged.filter((a) => stored.get(a.id) !== a.seq)).toEqual([]);
      // No gap: seqs 1..n (a batch cut off by the kill left nothing behind).
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => String(i + 1)));
      const { rows: state } = await db.query<{ last_seq: string }>(`SELECT last_seq::text FROM universe_state`);
      expect(state[0]!.last_seq).toBe(String(rows.length));
    } finally {
      await db.end();
    }
  });
});
