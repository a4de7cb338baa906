// A node's event feed when the bus misbehaves (docs/realtime.md, "Why the events guarantee
// holds", points 3 and 4): Redis pub/sub loses messages and delivers those of different nodes in
// any order, and the feed must still hand out every event once, in seq order. The feed under test
// listens on a bus of its own, so the test decides exactly what it hears, while the events are
// really committed (through the server's publish path) in the real database it backfills from.
import { Writable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryBus } from "../../server/src/platform/bus/memory-bus.ts";
import { ChannelBus } from "../../server/src/platform/bus/channel-bus.ts";
import { channels, type EventRow } from "../../server/src/platform/realtime/channels.ts";
import { EventLog } from "../../server/src/platform/realtime/event-log.ts";
import { createLogger } from "../../server/src/platform/observability/logger.ts";
import { EventFeed } from "../../server/src/platform/realtime/event-feed.ts";
import { appendEvents } from "../support/event-log.ts";
import { must } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";

const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`;

describe("the event feed on a lossy, reordering bus", () => {
  let s: TestServer;
  let bus: MemoryBus;
  let feed: EventFeed;
  let got: bigint[];
  const logged: string[] = [];

  /** Commits `n` events through the server; the feed under test hears none of them. */
  const commit = async (n: number): Promise<EventRow[]> => {
    const seqs: bigint[] = [];
    for (let i = 0; i < n; i++) {
      const r = must(await s.gql<{ publishEvent: { seq: string } }>(PUBLISH, { i: { type: "t" } }, TEST_ADMIN_TOKEN));
      seqs.push(BigInt(r.publishEvent.seq));
    }
    return s.app.services.prisma.event.findMany({ where: { seq: { in: seqs } }, orderBy: { seq: "asc" } });
  };
  /** The bus delivers `message` to the feed; resolves once the feed has handled everything so far. */
  const deliver = async (message: string): Promise<void> => {
    await bus.publish(channels.events.name, message);
    await new Promise<void>((r) => queueMicrotask(r)); // the memory bus delivers on a microtask
    await feed.settled();
  };
  /** The bus delivers `e` alone (a batch of one). */
  const hear = (e: EventRow): Promise<void> => deliver(channels.events.encode([e]));
  const seqsOf = (rows: EventRow[]) => rows.map((e) => e.seq!);

  beforeAll(async () => {
    s = await startTestServer();
  });
  beforeEach(async () => {
    await feed?.stop();
    bus = new MemoryBus();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged.push(chunk.toString("utf8"));
        done();
      },
    });
    const logger = createLogger("info", sink);
    const typed = new ChannelBus(bus, () => undefined);
    feed = await EventFeed.start(bus, typed, new EventLog(s.app.services.prisma, typed, logger), logger);
    got = [];
    feed.listen((e) => got.push(e.seq!));
  });
  afterAll(async () => {
    await feed?.stop();
    await s?.stop();
  });

  it("starts at the log's last seq and hands out the next event it hears", async () => {
    const [e] = await commit(1);
    expect(feed.last).toBe(e!.seq! - 1n);
    await hear(e!);
    expect(got).toEqual([e!.seq]);
    expect(feed.last).toBe(e!.seq);
  });

  it("reads a skipped range from Postgres first, so events come in seq order, each once", async () => {
    const rows = await commit(4);
    await hear(rows[3]!); // the bus lost the first three, or they are still on their way
    expect(got).toEqual(seqsOf(rows));
    for (const e of rows) await hear(e); // late arrivals and repeats are dropped
    expect(got).toEqual(seqsOf(rows));
  });

  it("drops an event it has already handed out", async () => {
    const rows = await commit(2);
    await hear(rows[0]!);
    await hear(rows[0]!);
    await hear(rows[1]!);
    await hear(rows[1]!);
    expect(got).toEqual(seqsOf(rows));
  });

  it("hands out every event of a batch message in order, and drops those of a batch it already handed out", async () => {
    const rows = await commit(5);
    await deliver(channels.events.encode(rows.slice(0, 3)));
    expect(got).toEqual(seqsOf(rows.slice(0, 3)));
    await deliver(channels.events.encode(rows.slice(2))); // overlaps: the third is dropped
    expect(got).toEqual(seqsOf(rows));
  });

  it("batches of two nodes arriving out of order: the later one reads the earlier range first, the earlier one is then dropped", async () => {
    const rows = await commit(4);
    await deliver(channels.events.encode(rows.slice(2)));
    expect(got).toEqual(seqsOf(rows));
    await deliver(channels.events.encode(rows.slice(0, 2)));
    expect(got).toEqual(seqsOf(rows));
  });

  it("reads a message of one bare event (as nodes sent before batching) as a batch of one", async () => {
    const [e] = await commit(1);
    await deliver(JSON.stringify({ ...e!, seq: e!.seq!.toString(), tick: e!.tick?.toString() ?? null }));
    expect(got).toEqual([e!.seq]);
  });

  it("catchUp reads what the log gained when the bus said nothing (the end of a burst)", async () => {
    const rows = await commit(3);
    feed.catchUp();
    await feed.settled();
    expect(got).toEqual(seqsOf(rows));
    feed.catchUp();
    await feed.settled();
    expect(got).toEqual(seqsOf(rows)); // nothing new: nothing more
  });

  it("catchUp(head) reads up to the head a tick announced, and not past it", async () => {
    const rows = await commit(3);
    feed.catchUp(rows[1]!.seq!);
    await feed.settled();
    expect(got).toEqual(seqsOf(rows.slice(0, 2)));
    feed.catchUp(rows[0]!.seq!); // an older head changes nothing
    await feed.settled();
    expect(got).toEqual(seqsOf(rows.slice(0, 2)));
    await hear(rows[2]!);
    expect(got).toEqual(seqsOf(rows));
  });

  it("reads a gap longer than one backfill page (500) in order", async () => {
    const rows = await commit(1);
    const first = rows[0]!.seq!;
    await appendEvents(s.app.services.prisma, 600);
    const last = await s.app.services.prisma.event.findFirstOrThrow({ orderBy: { seq: "desc" } });
    await hear(last);
    expect(got.length).toBe(601);
    expect(got[0]).toBe(first);
    expect(got.every((q, i) => i === 0 || q === got[i - 1]! + 1n)).toBe(true);
  });

  it("tries a failed backfill again by itself, so the event heard comes without waiting for another", async () => {
    // A feed whose first read of the log fails (a dropped database connection, say).
    await feed.stop();
    const logger = createLogger("info", new Writable({ write: (chunk: Buffer, _enc, done) => done() }));
    const typed = new ChannelBus(bus, () => undefined);
    const log = new EventLog(s.app.services.prisma, typed, logger);
    let failures = 0;
    const flaky: EventLog = Object.assign(Object.create(log) as EventLog, {
      page: (...args: Parameters<EventLog["page"]>) => {
        if (failures++ === 0) return Promise.reject(new Error("connection lost"));
        return log.page(...args);
      },
    });
    feed = await EventFeed.start(bus, typed, flaky, logger);
    got = [];
    feed.listen((e) => got.push(e.seq!));
    const rows = await commit(2);
    await hear(rows[1]!); // the first was lost on the bus: reading it fails once
    // No further event and no tick (TICK_HZ=0 on every node): the feed must retry by itself.
    await waitUntil("the feed to hand out both events", () => got.length === 2);
    expect(got).toEqual(seqsOf(rows));
    expect(failures).toBeGreaterThan(1);
  });

  it("skips a range that retention pruned instead of waiting for it", async () => {
    const rows = await commit(3);
    await s.app.services.prisma.event.deleteMany({ where: { seq: { in: seqsOf(rows.slice(0, 2)) } } });
    feed.catchUp(rows[1]!.seq!);
    await feed.settled();
    expect(got).toEqual([]);
    expect(feed.last).toBe(rows[1]!.seq);
    await hear(rows[2]!);
    expect(got).toEqual([rows[2]!.seq]);
  });

  it("a listener that throws is logged and does not keep the event from the others", async () => {
    const others: bigint[] = [];
    feed.listen(() => {
      throw new Error("listener bug");
    });
    feed.listen((e) => others.push(e.seq!));
    const [e] = await commit(1);
    await hear(e!);
    expect(got).toEqual([e!.seq]);
    expect(others).toEqual([e!.seq]);
    await waitUntil("the failure to be logged", () => logged.some((l) => l.includes("event feed: a listener failed")));
  });
});
