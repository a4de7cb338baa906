// publishEvents (many events in one call) and the group commit under publishEvent: all or
// nothing, seqs gapless and in input order even with concurrent single publishes, idempotency
// keys per input, the per-event rate limit and query cost, and the statements a batch takes.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channels, type EventRow } from "../../server/src/platform/realtime/channels.ts";
import { createPrismaClient } from "../../server/src/platform/db/client.ts";
import { EventLog, type NewEvent } from "../../server/src/platform/realtime/event-log.ts";
import { onRealPostgres } from "../support/database.ts";
import { createDeveloper, must, registerGame } from "../support/fixtures.ts";
import type { GqlResult } from "../support/graphql.ts";
import { dbQueriesDuring } from "../support/metrics.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { testTickLeader } from "../support/ticks.ts";
import { waitUntil } from "../support/wait.ts";

const ADMIN = TEST_ADMIN_TOKEN;
const MAX = 25;

/** An event as these tests read it (every field they select is compared whole). */
type Ev = Record<"id" | "type" | "delivery" | "status", string> &
  Record<"seq" | "sourceGameId" | "targetGameId" | "tick" | "idempotencyKey", string | null> & {
    recipientGameIds: string[];
    broadcast: boolean;
    data: unknown;
  };

const FIELDS = `id seq type sourceGameId targetGameId targetRealm { realmType adjacency resonance } recipientGameIds broadcast data delivery status tick idempotencyKey`;
const PUBLISH_MANY = `mutation($inputs: [PublishEventInput!]!) { publishEvents(inputs: $inputs) { ${FIELDS} } }`;
const PUBLISH = `mutation($input: PublishEventInput!) { publishEvent(input: $input) { ${FIELDS} } }`;

const codeOf = (r: GqlResult<unknown>): unknown => r.errors?.[0]?.extensions?.["code"];
const fieldOf = (r: GqlResult<unknown>): unknown => r.errors?.[0]?.extensions?.["field"];

let s: TestServer;
const key: Record<string, string> = {};

async function many(credential: string, inputs: object[]): Promise<GqlResult<{ publishEvents: Ev[] }>> {
  return s.gql<{ publishEvents: Ev[] }>(PUBLISH_MANY, { inputs }, credential);
}

async function universe(): Promise<{ events: string; pendingEvents: number }> {
  return must(
    await s.gql<{ universe: { events: string; pendingEvents: number } }>(
      `{ universe { events pendingEvents } }`,
      {},
      ADMIN,
    ),
  ).universe;
}

/** The stored events of `type`, in seq order, as the events query answers them. */
async function listed(type: string): Promise<Ev[]> {
  return must(
    await s.gql<{ events: { nodes: Ev[] } }>(
      `query($t: String) { events(type: $t, first: 500) { nodes { ${FIELDS} } } }`,
      { t: type },
      ADMIN,
    ),
  ).events.nodes;
}

const seqs = (events: Ev[]): bigint[] => events.map((e) => BigInt(e.seq!));
const consecutive = (xs: bigint[]): boolean => xs.every((x, i) => i === 0 || x === xs[i - 1]! + 1n);

beforeAll(async () => {
  s = await startTestServer({ MAX_EVENTS_PER_PUBLISH: String(MAX), RATE_LIMIT_EVENTS_PER_SECOND: "100000" });
  for (const id of ["alpha", "beta", "gone"])
    key[id] = (await registerGame(s, ADMIN, id, { developerName: "Ops" })).apiKey;
  must(await s.gql(`mutation { unregisterGame(id: "gone") { status } }`, {}, ADMIN));
});
afterAll(() => s?.stop());

describe("publishEvents", () => {
  it("stores the list with consecutive seqs in input order; NEXT_TICK ones wait; answers as stored", async () => {
    const before = await universe();
    const r = must(
      await many(key["alpha"]!, [
        { type: "list.a", data: { i: 0 } },
        { type: "list.a", targetGameId: "beta", data: { i: 1 } },
        { type: "list.a", delivery: "NEXT_TICK", data: { i: 2 } },
        { type: "list.a", targetRealm: { realmType: "forest" }, data: { i: 3 } },
      ]),
    ).publishEvents;
    expect(r.map((e) => e.data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    expect(r.map((e) => e.status)).toEqual(["DELIVERED", "DELIVERED", "PENDING", "DELIVERED"]);
    expect(r[2]).toMatchObject({ seq: null, tick: null, delivery: "NEXT_TICK" });
    const delivered = r.filter((e) => e.seq !== null);
    expect(seqs(delivered)).toEqual([1n, 2n, 3n].map((n) => BigInt(before.events) + n));
    expect(r[1]).toMatchObject({
      sourceGameId: "alpha",
      targetGameId: "beta",
      recipientGameIds: ["beta"],
      broadcast: false,
    });
    expect([...r[3]!.recipientGameIds].sort()).toEqual(["alpha", "beta"]);
    expect(r[0]!.broadcast).toBe(true);
    // The answers are what was stored.
    expect(await listed("list.a")).toEqual(delivered);
    const after = await universe();
    expect(after.pendingEvents).toBe(before.pendingEvents + 1);
  });

  it("answers data and targetRealm as a read of the stored event shows them, keys in the same order", async () => {
    const data = { zeta: 1, a: { yy: [{ c: 1, bb: 2 }], b: 3 }, é: true, ab: null };
    const [answered] = must(
      await many(key["alpha"]!, [{ type: "list.order", data, targetRealm: { resonance: "r", realmType: "t" } }]),
    ).publishEvents;
    const [read] = await listed("list.order");
    expect(JSON.stringify(answered!.data)).toBe(JSON.stringify(read!.data));
    expect(JSON.stringify(answered)).toBe(JSON.stringify(read));
  });

  it.each([
    ["a type the rules refuse", { type: "9bad" }, "inputs.2.type"],
    ["data over the size limit", { type: "ok", data: { blob: "x".repeat(70_000) } }, "inputs.2.data"],
    ["an empty realm selector", { type: "ok", targetRealm: {} }, "inputs.2.targetRealm"],
    ["a key with spaces", { type: "ok", idempotencyKey: "has spaces" }, "inputs.2.idempotencyKey"],
  ])("one invalid input (%s) is BAD_USER_INPUT naming its index, and nothing is stored", async (_what, bad, field) => {
    const before = await universe();
    const r = await many(key["alpha"]!, [{ type: "ok" }, { type: "ok", delivery: "NEXT_TICK" }, bad, { type: "ok" }]);
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(fieldOf(r)).toBe(field);
    expect(r.errors?.[0]?.message).toContain(field);
    expect(r.data?.publishEvents ?? null).toBeNull();
    expect(await universe()).toEqual(before);
  });

  it("an unknown or unregistered target is refused naming its index, and nothing is stored", async () => {
    const before = await universe();
    const r = await many(key["alpha"]!, [{ type: "ok" }, { type: "ok", targetGameId: "no-such-game" }]);
    expect(codeOf(r)).toBe("NOT_FOUND");
    expect(r.errors?.[0]?.message).toMatch(/^inputs\.1: Game "no-such-game" was not found/);
    // An unregistered game is not found by others; its owner (the admin) is told it receives nothing.
    expect(codeOf(await many(key["alpha"]!, [{ type: "ok" }, { type: "ok", targetGameId: "gone" }]))).toBe("NOT_FOUND");
    const owner = await many(ADMIN, [{ type: "ok" }, { type: "ok", targetGameId: "gone" }]);
    expect(codeOf(owner)).toBe("BAD_USER_INPUT");
    expect(fieldOf(owner)).toBe("inputs.1.targetGameId");
    expect(owner.errors?.[0]?.message).toMatch(/^inputs\.1\.targetGameId: Game "gone" is unregistered/);
    expect(await universe()).toEqual(before);
  });

  it(`refuses an empty list and one over MAX_EVENTS_PER_PUBLISH (${MAX})`, async () => {
    const before = await universe();
    for (const n of [0, MAX + 1]) {
      const r = await many(
        key["alpha"]!,
        Array.from({ length: n }, () => ({ type: "too.many" })),
      );
      expect(codeOf(r), String(n)).toBe("BAD_USER_INPUT");
      expect(fieldOf(r)).toBe("inputs");
    }
    expect(await universe()).toEqual(before);
    expect(
      must(
        await many(
          key["alpha"]!,
          Array.from({ length: MAX }, () => ({ type: "max" })),
        ),
      ).publishEvents,
    ).toHaveLength(MAX);
  });

  it("only games and the admin publish", async () => {
    const dev = await createDeveloper(s, "List Developer");
    expect(codeOf(await many(dev.key, [{ type: "who" }]))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(PUBLISH_MANY, { inputs: [{ type: "who" }] }))).toBe("UNAUTHENTICATED");
  });
});

describe("NEXT_TICK inputs of a list", () => {
  it("are delivered by the next tick in input order, with consecutive seqs", async () => {
    const inputs = Array.from({ length: 20 }, (_, i) => ({ type: "list.later", delivery: "NEXT_TICK", data: { i } }));
    must(await many(key["beta"]!, inputs));
    expect((await testTickLeader(s, "list-ticker").tick()).eventsPropagated).toBeGreaterThanOrEqual(20);
    const got = await listed("list.later");
    expect(got.map((e) => e.data)).toEqual(inputs.map((x) => x.data));
    expect(consecutive(seqs(got))).toBe(true);
  });
});

describe("idempotency keys in a list", () => {
  it("a retried list answers the stored events and stores nothing new", async () => {
    const k = randomUUID();
    const inputs = [
      { type: "idem.list", idempotencyKey: `${k}-0`, data: { n: 0 } },
      { type: "idem.list", idempotencyKey: `${k}-1`, data: { n: 1 } },
      { type: "idem.list", data: { n: 2 } },
    ];
    const first = must(await many(key["alpha"]!, inputs.slice(0, 2))).publishEvents;
    const before = await universe();
    // The same keys again plus a new input: the two answer what was stored, the new one is stored.
    const again = must(await many(key["alpha"]!, inputs)).publishEvents;
    expect(again.slice(0, 2)).toEqual(first);
    expect(BigInt(again[2]!.seq!)).toBe(BigInt(before.events) + 1n);
    expect(BigInt((await universe()).events)).toBe(BigInt(before.events) + 1n);
    // A single publish with one of those keys answers the same event too.
    expect(must(await s.gql<{ publishEvent: Ev }>(PUBLISH, { input: inputs[1] }, key["alpha"]!)).publishEvent).toEqual(
      first[1],
    );
  });

  it("a key reused with other content is CONFLICT naming its index, and nothing is stored", async () => {
    const k = `conflict-${randomUUID()}`;
    must(await many(key["alpha"]!, [{ type: "idem.c", idempotencyKey: k, data: { v: 1 } }]));
    const before = await universe();
    const r = await many(key["alpha"]!, [{ type: "idem.c" }, { type: "idem.c", idempotencyKey: k, data: { v: 2 } }]);
    expect(codeOf(r)).toBe("CONFLICT");
    expect(r.errors?.[0]?.message).toContain("inputs.1");
    expect(await universe()).toEqual(before);
  });

  it("one key twice in one list is BAD_USER_INPUT naming the second", async () => {
    const before = await universe();
    const r = await many(key["alpha"]!, [
      { type: "idem.d", idempotencyKey: "twice" },
      { type: "idem.d" },
      { type: "idem.d", idempotencyKey: "twice" },
    ]);
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(fieldOf(r)).toBe("inputs.2.idempotencyKey");
    expect(await universe()).toEqual(before);
  });

  it("concurrent retries of one list, and single publishes of its keys, all answer the same events", async () => {
    const k = randomUUID();
    const inputs = Array.from({ length: 5 }, (_, i) => ({
      type: "idem.race",
      idempotencyKey: `${k}-${i}`,
      data: { i },
    }));
    const before = await universe();
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => many(key["beta"]!, inputs)),
      ...inputs.map((input) => s.gql<{ publishEvent: Ev }>(PUBLISH, { input }, key["beta"]!)),
    ]);
    for (const r of results) expect(r.errors).toBeUndefined();
    const lists = results.slice(0, 6).map((r) => (r.data as { publishEvents: Ev[] }).publishEvents);
    for (const l of lists) expect(l).toEqual(lists[0]);
    results.slice(6).forEach((r, i) => expect((r.data as { publishEvent: Ev }).publishEvent).toEqual(lists[0]![i]));
    // Five events stored, five seqs used.
    expect(BigInt((await universe()).events)).toBe(BigInt(before.events) + 5n);
    expect(await listed("idem.race")).toEqual(lists[0]);
  });
});

describe("concurrency", () => {
  it("concurrent publishEvent and publishEvents calls share a gapless run of seqs; each list's are consecutive, in input order", async () => {
    const before = BigInt((await universe()).events);
    const singles = Array.from({ length: 30 }, (_, i) =>
      s.gql<{ publishEvent: Ev }>(
        PUBLISH,
        { input: { type: "mix", data: { single: i } } },
        key[i % 2 ? "alpha" : "beta"]!,
      ),
    );
    const lists = Array.from({ length: 6 }, (_, l) =>
      many(
        key[l % 2 ? "alpha" : "beta"]!,
        Array.from({ length: 10 }, (_, i) => ({ type: "mix", data: { list: l, i } })),
      ),
    );
    const [one, all] = await Promise.all([Promise.all(singles), Promise.all(lists)]);
    const listEvents = all.map((r) => must(r).publishEvents);
    for (const [l, events] of listEvents.entries()) {
      expect(events.map((e) => e.data)).toEqual(Array.from({ length: 10 }, (_, i) => ({ list: l, i })));
      expect(consecutive(seqs(events))).toBe(true);
    }
    const every = [...one.map((r) => must(r).publishEvent), ...listEvents.flat()];
    const sorted = seqs(every).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(sorted).toEqual(Array.from({ length: 90 }, (_, i) => before + BigInt(i + 1)));
    expect((await universe()).events).toBe(String(before + 90n));
  });
});

describe("the group commit (EventLog.append)", () => {
  const event = (type: string, over: Partial<NewEvent> = {}): NewEvent => ({
    id: randomUUID(),
    type,
    sourceGameId: null,
    sourcePlayerId: null,
    targetGameId: null,
    targetRealm: null,
    targetRoomId: null,
    targetPlayerId: null,
    recipientGameIds: [],
    audiencePlayerIds: [],
    broadcast: true,
    data: { type },
    idempotencyKey: null,
    requestHash: "h",
    createdAt: new Date(),
    ...over,
  });

  it("50 publishes submitted together take 2 statements, not 50 (the first alone, then the 49 that queued)", async () => {
    const { log } = s.app.services.realtime;
    let rows: { seq: bigint | null }[][] = [];
    const queries = await dbQueriesDuring(s.url, async () => {
      rows = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([event("gc.count", { data: { i } })])));
    });
    expect(queries).toBe(2);
    const got = rows.map((r) => r[0]!.seq!);
    expect(consecutive(got)).toBe(true);
  });

  it("a committed batch goes on the bus as one message (100 events at most), in seq order, as a read of it shows them", async () => {
    const { bus, prisma, realtime } = s.app.services;
    const messages: EventRow[][] = [];
    const stop = await bus.subscribe(channels.events.name, (text) => {
      const batch = channels.events.decode(text).filter((e) => e.type === "gc.bus");
      if (batch.length > 0) messages.push(batch);
    });
    try {
      // The first group is flushed alone; the three that queued meanwhile (150 events) are one batch.
      const answered = await Promise.all([
        realtime.log.append([event("gc.bus", { data: { b: 1, a: [1, { z: 1, y: 2 }] } })]),
        ...Array.from({ length: 3 }, (_, g) =>
          realtime.log.append(Array.from({ length: 50 }, (_, i) => event("gc.bus", { data: { g, i } }))),
        ),
      ]);
      await waitUntil("151 events on the bus", () => messages.flat().length >= 151);
      expect(messages.map((m) => m.length)).toEqual([1, 100, 50]);
      const heard = messages.flat();
      expect(consecutive(heard.map((e) => e.seq!))).toBe(true);
      expect(heard).toEqual(answered.flat());
      expect(heard).toEqual(await prisma.event.findMany({ where: { type: "gc.bus" }, orderBy: { seq: "asc" } }));
    } finally {
      await stop();
    }
  });

  it.skipIf(!onRealPostgres())(
    "its statement is prepared once per connection and then only executed (no parse and plan per batch)",
    async () => {
      // One connection, so the statements and the check below share it.
      const one = createPrismaClient(s.db.url!, { connections: 1 });
      try {
        const log = new EventLog(one, s.app.services.channels, s.app.services.logger);
        for (let i = 0; i < 3; i++) await log.append([event("gc.prepared")]);
        const prepared = await one.$queryRaw<{ runs: bigint }[]>`
          SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements WHERE name = 'event-log-append'`;
        expect(prepared).toHaveLength(1);
        expect(Number(prepared[0]!.runs)).toBe(3);
        // An execution that fails (a key stored twice) leaves the log working.
        const keyed = () => event("gc.prepared", { sourceGameId: "alpha", idempotencyKey: `prep-${s.url}` });
        await log.append([keyed()]);
        await expect(log.append([keyed()])).rejects.toThrow(/unique/i);
        expect(await log.append([event("gc.prepared")])).toHaveLength(1);
      } finally {
        await one.$disconnect();
      }
    },
  );

  it("a group that fails (a raced key, an unregistered source) fails alone; the others of its batch are stored, gapless", async () => {
    const { log } = s.app.services.realtime;
    const k = `gc-${randomUUID()}`;
    const keyed = (n: number) => event("gc.fail", { sourceGameId: "alpha", idempotencyKey: k, data: { n } });
    const results = await Promise.allSettled([
      log.append([event("gc.fail")]),
      log.append([keyed(1)]),
      log.append([event("gc.fail"), event("gc.fail")]),
      log.append([keyed(2)]), // the same key in the same batch: a unique violation, for it alone
      log.append([event("gc.fail", { sourceGameId: "gone" })]),
      log.append([event("gc.fail")]),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
    ]);
    expect(String((results[4] as PromiseRejectedResult).reason)).toMatch(/Game "gone" is unregistered/);
    const stored = await listed("gc.fail");
    expect(stored).toHaveLength(5);
    expect(consecutive(seqs(stored))).toBe(true);
    expect(stored.map((e) => e.idempotencyKey)).toContain(k);
  });
});

describe("limits on a list", () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ RATE_LIMIT_EVENTS_PER_SECOND: "10", MAX_QUERY_COST: "100" });
  });
  afterAll(() => small?.stop());

  it("the rate limit counts each event of a list", async () => {
    const a = (await registerGame(small, ADMIN, "rate-a", { developerName: "Ops" })).apiKey;
    const b = (await registerGame(small, ADMIN, "rate-b", { developerName: "Ops" })).apiKey;
    const list = (n: number) => Array.from({ length: n }, (_, i) => ({ type: "rate", data: { i } }));
    const ten = await small.gql<{ publishEvents: { seq: string }[] }>(
      `mutation($i: [PublishEventInput!]!) { publishEvents(inputs: $i) { seq } }`,
      { i: list(10) },
      a,
    );
    expect(must(ten).publishEvents).toHaveLength(10);
    const eleven = await small.gql(
      `mutation($i: [PublishEventInput!]!) { publishEvents(inputs: $i) { seq } }`,
      { i: list(11) },
      b,
    );
    expect(codeOf(eleven)).toBe("RATE_LIMITED");
  });

  it("is priced per input by the query cost", async () => {
    const q = `mutation($i: [PublishEventInput!]!) { publishEvents(inputs: $i) { id seq type } }`;
    const list = (n: number) => Array.from({ length: n }, () => ({ type: "cost" }));
    // 1 + 3 fields × inputs: 30 inputs cost 91, 40 cost 121 (over 100).
    expect(codeOf(await small.gql(q, { i: list(30) }, ADMIN))).toBe("RATE_LIMITED"); // costed, ran, over the rate
    const r = await small.gql(q, { i: list(40) }, ADMIN);
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.extensions?.["reason"]).toBe("QUERY_TOO_COMPLEX");
  });
});
