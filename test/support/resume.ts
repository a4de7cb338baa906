// A subscriber resuming `events` with `since` over a backlog of several replay pages while
// publishers keep publishing, over real WebSocket and HTTP: what it received, and the log.
import { expect } from "vitest";
import { must } from "./fixtures.ts";
import { gql } from "./graphql.ts";
import { TEST_ADMIN_TOKEN } from "./server.ts";
import { deferred, within } from "./wait.ts";
import { connectWs, subscribe } from "./ws.ts";

const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`;
// `data` is selected: it is what makes the big blocks big on the wire.
const EVENTS = `subscription($since: Int64) { events(since: $since) { seq type data } }`;
const LOG = `query($after: Int64) { events(first: 500, after: $after) { edges { node { seq } } pageInfo { endCursor hasNextPage } } }`;

/**
 * The test's own deadline: above the waits inside (20 s each), so that a wait failing ends the
 * publishers (in `finally`) before the test ends, and the nodes can stop.
 */
export const LOAD_TIMEOUT_MS = 60_000;

/** Settings for the nodes under test: no publish limit in the way, and room for what arrives during a replay. */
export const RESUME_ENV = { RATE_LIMIT_EVENTS_PER_SECOND: "1000000", SUBSCRIPTION_BUFFER_SIZE: "20000" };

/** Publishes an IMMEDIATE event as the admin on `url`; its seq. */
export async function publishAt(url: string, type: string, data: Record<string, unknown> = {}): Promise<bigint> {
  const r = await gql<{ publishEvent: { seq: string } }>(url, PUBLISH, { i: { type, data } }, TEST_ADMIN_TOKEN);
  return BigInt(must(r).publishEvent.seq);
}

/** Every delivered seq after `after` on `url`, read with the `events` query. */
export async function loggedSeqsAfter(url: string, after: bigint): Promise<bigint[]> {
  const out: bigint[] = [];
  let cursor = after.toString();
  for (;;) {
    const page = must(
      await gql<{
        events: { edges: { node: { seq: string } }[]; pageInfo: { endCursor: string; hasNextPage: boolean } };
      }>(url, LOG, { after: cursor }, TEST_ADMIN_TOKEN),
    ).events;
    out.push(...page.edges.map((e) => BigInt(e.node.seq)));
    if (!page.pageInfo.hasNextPage) return out;
    cursor = page.pageInfo.endCursor;
  }
}

/** The server's replay page. */
const PAGE = 500;
/** Events at the end of the first replay page and at the end of the backlog that are big ... */
const BLOCK = 100;
/** ... so big that a block is more than loopback TCP buffers hold (~4 MB here): a server sending it to a client that does not read waits. */
const PAD_BYTES = 80_000;

/**
 * One statement that appends `n` delivered broadcast events to the log the way a publish does
 * (the next seqs, taken under the universe_state row lock, and the current tick), and returns
 * the seq before them as `since`. Much faster than `n` publishes on a busy machine; no node
 * hears them on the bus, so each node's feed reads them from Postgres at the next event.
 */
export const APPEND_BACKLOG = (n: number) => `
  WITH s AS (UPDATE universe_state SET last_seq = last_seq + ${n} WHERE id = 1 RETURNING last_seq - ${n} AS since, current_tick),
       ins AS (INSERT INTO events (id, seq, tick, type, recipient_game_ids, broadcast, data, delivery, status, request_hash, created_at, delivered_at)
               SELECT gen_random_uuid(), s.since + g, s.current_tick, 'backlog', '{}', true,
                      jsonb_build_object('i', g, 'pad', CASE WHEN g BETWEEN ${n - BLOCK + 1} AND ${n} OR g BETWEEN ${PAGE - BLOCK + 1} AND ${PAGE}
                                                             THEN repeat('x', ${PAD_BYTES}) ELSE '' END),
                      'IMMEDIATE', 'DELIVERED', 'backlog', now(), now()
                 FROM s, generate_series(1, ${n}) AS g)
  SELECT since::text AS since FROM s`;

export interface ResumeUnderLoad {
  /** The node the subscriber resumes on. */
  subscriber: string;
  /** The nodes the publishers publish on (each gets `publishersPerNode`). */
  publishers: string[];
  publishersPerNode: number;
  /** Events in the log after `since` before the subscriber comes: three replay pages. */
  backlog: number;
  /** Runs APPEND_BACKLOG(backlog) on the nodes' database; returns the `since` it answers. */
  appendBacklog: (sql: string) => Promise<bigint>;
}

/**
 * Appends a backlog, starts the publishers (each publishes again as soon as its previous
 * publish is acknowledged), and resumes a subscriber with `since` = the seq before the backlog.
 * The subscriber stops reading twice, so that the server's replay stalls on a big block while
 * publishes are acknowledged: first at the end of the first page (those events are committed
 * after the stream listened and before the later pages read them: heard and read), then at the
 * end of the last page (committed after the last read: heard only). Then the publishers stop, a
 * marker is published and awaited, and the subscriber must have received exactly the log after
 * `since`: each seq once, strictly increasing, every acknowledged publish among them.
 */
export async function expectResumeUnderLoad(o: ResumeUnderLoad): Promise<void> {
  if (o.backlog <= 2 * PAGE || o.backlog > 3 * PAGE - BLOCK) throw new Error("the backlog must end in the third page");

  const since = await o.appendBacklog(APPEND_BACKLOG(o.backlog));

  let stopping = false;
  const acked: bigint[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  /** Resolves once `k` more publishes than now were acknowledged. */
  const acks = (k: number): Promise<void> => {
    const w = { n: acked.length + k, ...deferred() };
    waiters.push(w);
    return w.promise;
  };
  const publishers = o.publishers.flatMap((url, node) =>
    Array.from({ length: o.publishersPerNode }, async (_, p) => {
      for (let i = 0; !stopping; i++) {
        acked.push(await publishAt(url, "load", { node, p, i }));
        for (const w of waiters.filter((w) => acked.length >= w.n)) w.resolve();
      }
    }),
  );
  const all = o.publishers.length * o.publishersPerNode;
  // Rejects if a publisher fails (settles never otherwise), so no wait outlives a failure.
  const failed = Promise.all(publishers).then(() => new Promise<never>(() => undefined));
  failed.catch(() => undefined);
  const ack = (k: number, what: string) =>
    within(Promise.race([acks(k), failed]), 20_000, () => `${k} publishes acknowledged ${what}`);
  // The load is on (every publisher was acknowledged about once) when the subscriber comes.
  await ack(all, "before subscribing");

  const ws = connectWs(o.subscriber, TEST_ADMIN_TOKEN);
  try {
    await ws.connected;
    ws.socket()!.pause();
    const sub = subscribe<{ events: { seq: string; type: string; data: unknown } }>(ws, EVENTS, {
      since: since.toString(),
    });
    const progress = () => `got ${sub.values.length} events (last seq ${sub.values.at(-1)?.events.seq})`;
    // Stall 1: the server sent the first page up to its big block, and waits.
    await ack(all, "while the subscriber does not read (1)");
    ws.socket()!.resume();
    await within(sub.received(PAGE), 20_000, () => `the first replay page: ${progress()}`);
    // Stall 2: the server read the last page and sent it up to its big block, and waits.
    ws.socket()!.pause();
    await ack(all, "while the subscriber does not read (2)");
    ws.socket()!.resume();
    await within(sub.received(o.backlog + 1), 20_000, () => `the backlog and more: ${progress()}`);
    stopping = true;
    await Promise.all(publishers);
    const marker = await publishAt(o.subscriber, "marker");
    await within(
      (async () => {
        while (!sub.values.some((m) => m.events.type === "marker")) await sub.received(sub.values.length + 1);
      })(),
      30_000,
      () => `the marker (seq ${marker}): ${progress()}`,
    );
    sub.stop();

    const received = sub.values.map((m) => BigInt(m.events.seq));
    const log = await loggedSeqsAfter(o.subscriber, since);
    const notAbove = received.findIndex((q, i) => i > 0 && q <= received[i - 1]!);
    expect(notAbove, `seq ${received[notAbove]} came after ${received[notAbove - 1]}`).toBe(-1);
    const got = new Set(received);
    const missing = log.filter((q) => !got.has(q));
    expect(missing, `${missing.length} logged events never came`).toEqual([]);
    expect(received).toEqual(log);
    expect(log.at(-1)).toBe(marker);
    expect(acked.filter((q) => !got.has(q))).toEqual([]);
  } finally {
    stopping = true;
    await ws.dispose();
  }
}
