// The events stream's handover from replay to live, driven one message at a time: the real
// `eventStream` on the node's real EventFeed and bus (in memory, and Redis), over the real
// database, with events published through the real publish path. An async generator waits
// between `next()` calls, so an event can be committed at an exact point of the replay: after
// the replay read its page (it must still come, live: no gap), or after the stream listened
// and before the replay read (it is both read and heard: it must come once).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PrismaClient } from "../../server/src/platform/db/client.ts";
import type { EventRow } from "../../server/src/platform/realtime/channels.ts";
import type { EventLog } from "../../server/src/platform/realtime/event-log.ts";
import type { EventFeed } from "../../server/src/platform/realtime/event-feed.ts";
import { eventStream } from "../../server/src/platform/realtime/event-stream.ts";
import { appendEvents } from "../support/event-log.ts";
import { must } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { deferred, waitUntil, within } from "../support/wait.ts";

const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`;

/** Resolves once `feed` has handed out seq `seq` to its listeners (so to every stream listening). */
function heard(feed: EventFeed, seq: bigint): Promise<void> {
  if (feed.last >= seq) return Promise.resolve();
  const done = deferred();
  const stop = feed.listen((e) => {
    if (e.seq! >= seq) done.resolve();
  });
  return done.promise.finally(stop);
}

/** `stream`'s events until one of type `type`, with a deadline that names what came. */
async function takeUntil(stream: AsyncIterator<EventRow>, type: string): Promise<EventRow[]> {
  const got: EventRow[] = [];
  const take = async () => {
    for (;;) {
      const r = await stream.next();
      if (r.done) throw new Error("the stream ended");
      got.push(r.value);
      if (r.value.type === type) return got;
    }
  };
  return within(take(), 10_000, () => `an event of type ${type} (got seqs ${got.map((e) => e.seq).join(", ")})`);
}

type Reader = Pick<EventLog, "replayPage">;

/** A log whose `replayPage` (the replay's read) waits for `gate`; `reading` says it was called. */
function readAfter(log: Reader, gate: Promise<void>) {
  const reading = deferred();
  const client: Reader = {
    replayPage: async (...args) => {
      reading.resolve();
      await gate;
      return log.replayPage(...args);
    },
  };
  return { client, reading: reading.promise };
}

const BUSES: { bus: string; kind: "memory" | "redis"; env: () => Record<string, string>; skip: boolean }[] = [
  { bus: "the in-memory bus", kind: "memory", env: () => ({}), skip: false },
  {
    bus: "the Redis bus",
    kind: "redis",
    env: () => ({ REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: `test:${randomBytes(4).toString("hex")}:` }),
    skip: inject("redisUrl") === "",
  },
];

for (const { bus, kind, env, skip } of BUSES) {
  describe.skipIf(skip)(`the events stream's handover from replay to live, on ${bus}`, () => {
    let s: TestServer;
    let feed: EventFeed;
    let prisma: PrismaClient;

    beforeAll(async () => {
      s = await startTestServer(env());
      ({ prisma } = s.app.services);
      feed = s.app.services.realtime.feed;
      expect(s.app.services.bus.kind).toBe(kind);
    });
    afterAll(async () => {
      await s?.stop();
    });

    /** Publishes (as the admin) and waits until this node's feed handed the event out. */
    const publish = async (type: string): Promise<bigint> => {
      const seq = BigInt(
        must(await s.gql<{ publishEvent: { seq: string } }>(PUBLISH, { i: { type } }, TEST_ADMIN_TOKEN)).publishEvent
          .seq,
      );
      await within(heard(feed, seq), 10_000, () => `seq ${seq} to reach the feed`);
      return seq;
    };
    /** Three events, and the seq just before them. */
    const backlog = async (): Promise<{ since: bigint; seqs: bigint[] }> => {
      const seqs = [await publish("backlog"), await publish("backlog"), await publish("backlog")];
      return { since: seqs[0]! - 1n, seqs };
    };
    const open = (client: Reader, since: bigint) =>
      eventStream(feed, client, { where: { status: "DELIVERED" }, visible: () => true, since, capacity: 100 });

    it("an event committed while the replay is paused after reading comes once, live, after the backlog", async () => {
      const { since, seqs } = await backlog();
      const listenersBefore = feed.listeners;
      const stream = open(s.app.services.realtime.log, since);
      try {
        // The first event: the replay has read its page (all three) and waits for us.
        const first = await stream.next();
        expect(first.value?.seq).toBe(seqs[0]);
        const during = await publish("during-replay");
        // The rest of the replay, then the live part: once the stream listens, the marker.
        const rest = [await stream.next(), await stream.next()].map((r) => r.value!.seq);
        expect(rest).toEqual(seqs.slice(1));
        const pending = takeUntil(stream, "marker");
        await waitUntil("the stream to listen to the feed", () => feed.listeners === listenersBefore + 1);
        const marker = await publish("marker");
        const live = (await pending).map((e) => e.seq);
        expect(live).toEqual([during, marker]);
      } finally {
        await stream.return?.();
      }
      expect(feed.listeners).toBe(listenersBefore);
    });

    it("a replay longer than one page (500) comes whole and in order, then goes live", async () => {
      const since = await appendEvents(prisma, 620, "long-backlog");
      // The bus never told this node of them: its feed reads them now, before anyone listens.
      feed.catchUp();
      await feed.settled();
      const stream = open(s.app.services.realtime.log, since);
      try {
        const replayed: bigint[] = [];
        const replay = async () => {
          for (let i = 0; i < 620; i++) replayed.push((await stream.next()).value!.seq!);
        };
        await within(replay(), 10_000, () => `the replay of 620 events (got ${replayed.length})`);
        expect(replayed).toEqual(Array.from({ length: 620 }, (_, i) => since + 1n + BigInt(i)));
        const pending = takeUntil(stream, "marker");
        const marker = await publish("marker");
        expect((await pending).map((e) => e.seq)).toEqual([marker]);
      } finally {
        await stream.return?.();
      }
    });

    it("an event committed after the stream listened and before the replay read it comes once", async () => {
      const { since, seqs } = await backlog();
      const listenersBefore = feed.listeners;
      const gate = deferred();
      const { client, reading } = readAfter(s.app.services.realtime.log, gate.promise);
      const stream = open(client, since);
      try {
        const first = stream.next();
        await within(reading, 10_000, () => "the replay to read");
        // Heard live by the stream (it listens before reading), and committed before the read.
        const both = await publish("read-and-heard");
        gate.resolve();
        const replayed = [(await first).value!.seq];
        for (let i = 0; i < 3; i++) replayed.push((await stream.next()).value!.seq);
        expect(replayed).toEqual([...seqs, both]);
        // Then live: nothing before the marker (the event heard meanwhile is not sent again).
        const pending = takeUntil(stream, "marker");
        await waitUntil("the stream to listen to the feed", () => feed.listeners === listenersBefore + 1);
        const marker = await publish("marker");
        expect((await pending).map((e) => e.seq)).toEqual([marker]);
      } finally {
        gate.resolve();
        await stream.return?.();
      }
    });
  });
}
