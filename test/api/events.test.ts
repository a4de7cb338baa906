// publishEvent and the events query over real HTTP against a real server and Postgres:
// routing, visibility, seq order and paging, idempotency, concurrency, NEXT_TICK and data.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDeveloper,
  issuePlayerToken,
  must,
  realmInput,
  registerGame,
  upsertPlayer,
  type TestDeveloper,
} from "../support/fixtures.ts";
import type { GqlResult } from "../support/graphql.ts";
import { ERROR_CODES } from "../support/graphql.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

const ADMIN = TEST_ADMIN_TOKEN;

interface Ev {
  id: string;
  seq: string | null;
  type: string;
  sourceGameId: string | null;
  targetGameId: string | null;
  targetRealm: { realmType: string | null; adjacency: string | null; resonance: string | null } | null;
  broadcast: boolean;
  recipientGameIds: string[];
  data: unknown;
  delivery: "IMMEDIATE" | "NEXT_TICK";
  status: "PENDING" | "DELIVERED";
  tick: string | null;
  idempotencyKey: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

interface Page {
  edges: { cursor: string; node: Ev }[];
  nodes: Ev[];
  pageInfo: { startCursor: string | null; endCursor: string | null; hasNextPage: boolean; hasPreviousPage: boolean };
}

const EVENT_FIELDS = `fragment E on Event {
  id seq type sourceGameId targetGameId targetRealm { realmType adjacency resonance } broadcast
  recipientGameIds data delivery status tick idempotencyKey createdAt deliveredAt
}`;

const PUBLISH = `mutation($input: PublishEventInput!) { publishEvent(input: $input) { ...E } } ${EVENT_FIELDS}`;

const EVENTS = `query($after: Int64, $first: Int, $before: Int64, $last: Int, $gameId: ID, $type: String) {
  events(after: $after, first: $first, before: $before, last: $last, gameId: $gameId, type: $type) {
    edges { cursor node { ...E } }
    nodes { ...E }
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
  }
} ${EVENT_FIELDS}`;

interface PublishInput {
  type: string;
  targetGameId?: string | null;
  targetRealm?: { realmType?: string | null; adjacency?: string | null; resonance?: string | null } | null;
  data?: unknown;
  /** Omitted: a fresh unique key (see `publish`). `null`: no key at all. */
  idempotencyKey?: string | null;
  delivery?: "IMMEDIATE" | "NEXT_TICK";
}

let s: TestServer;
/** Every error any request in this file answered, for the fixed-set check at the end. */
const seenErrors: { message: string; extensions?: Record<string, unknown> }[] = [];

async function call<T>(query: string, variables: Record<string, unknown>, credential?: string) {
  const r = await s.gql<T>(query, variables, credential);
  seenErrors.push(...(r.errors ?? []));
  return r;
}

const codeOf = (r: GqlResult<unknown>): unknown => r.errors?.[0]?.extensions?.["code"];

/**
 * Publishes as `credential`. Unless the input says otherwise, each publish carries a fresh
 * unique idempotency key, so only the tests about key-less publishes depend on that path.
 */
async function publish(credential: string, input: PublishInput): Promise<GqlResult<{ publishEvent: Ev }>> {
  const withKey = input.idempotencyKey === undefined ? { ...input, idempotencyKey: `k-${randomUUID()}` } : input;
  return call<{ publishEvent: Ev }>(PUBLISH, { input: withKey }, credential);
}

async function published(credential: string, input: PublishInput): Promise<Ev> {
  return must(await publish(credential, input)).publishEvent;
}

async function eventsPage(
  credential: string,
  args: {
    after?: string | null;
    first?: number;
    before?: string | null;
    last?: number;
    gameId?: string;
    type?: string;
  } = {},
): Promise<GqlResult<{ events: Page }>> {
  return call<{ events: Page }>(EVENTS, args, credential);
}

/** Every event `credential` may see (with the filters), walking all pages. */
async function allEvents(credential: string, filters: { gameId?: string; type?: string } = {}): Promise<Ev[]> {
  const out: Ev[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Page = must(await eventsPage(credential, { ...filters, after, first: 100 })).events;
    out.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

const ids = (events: Ev[]): string[] => events.map((e) => e.id);
const sorted = (xs: string[]): string[] => [...xs].sort();

async function universe(): Promise<{ events: string; pendingEvents: number; currentTick: string }> {
  return must(
    await call<{ universe: { events: string; pendingEvents: number; currentTick: string } }>(
      `{ universe { events pendingEvents currentTick } }`,
      {},
      ADMIN,
    ),
  ).universe;
}

/** Seqs as BigInts, asserting each is a decimal string. */
function seqsOf(events: Ev[]): bigint[] {
  return events.map((e) => {
    expect(e.seq).toMatch(/^[1-9]\d*$/);
    return BigInt(e.seq!);
  });
}

/** The games and their realm addresses ([name, realmType, adjacency, resonance]). */
const REALMS: Record<string, [string, string, string, string][]> = {
  alpha: [
    ["Glade", "forest", "north", "arcane"],
    ["Dock", "station", "south", "industrial"],
  ],
  beta: [["Wood", "forest", "south", "arcane"]],
  gamma: [["Dunes", "desert", "north", "industrial"]],
  delta: [["Pines", "forest", "north", "cosmic"]],
  // Unregistered in beforeAll: never a recipient.
  omega: [["Grove", "forest", "north", "arcane"]],
};
const GAMES = ["alpha", "beta", "gamma", "delta"] as const;
type GameId = (typeof GAMES)[number];

const key: Record<string, string> = {};
let developer: TestDeveloper;
let alphaPlayerToken: string;

beforeAll(async () => {
  // The control tick is not under test here: keep it as rare as the settings allow.
  s = await startTestServer({ TICK_HZ: "0" });
  developer = await createDeveloper(s, "Event Developer");
  for (const [id, realms] of Object.entries(REALMS)) {
    const [first, ...more] = realms;
    // alpha and beta belong to `developer`; the others are registered by the admin.
    const owned = id === "alpha" || id === "beta";
    const g = await registerGame(s, owned ? developer.key : ADMIN, id, {
      realm: realmInput(...first!),
      ...(owned ? {} : { developerName: "Operations" }),
    });
    key[id] = g.apiKey;
    for (const [name, realmType, adjacency, resonance] of more) {
      must(
        await call(
          `mutation($input: CreateRealmInput!) { createRealm(input: $input) { id } }`,
          { input: { name, realmType, adjacency, resonance } },
          g.apiKey,
        ),
      );
    }
  }
  must(await call(`mutation { unregisterGame(id: "omega") { status } }`, {}, ADMIN));
  alphaPlayerToken = await issuePlayerToken(s, key["alpha"]!, await upsertPlayer(s, key["alpha"]!, "hero"));
});

afterAll(() => s?.stop());

describe("routing", () => {
  it("a unicast (targetGameId) is addressed to its target alone", async () => {
    const e = await published(key["alpha"]!, { type: "route.unicast", targetGameId: "beta", data: { n: 1 } });
    expect(e).toMatchObject({
      type: "route.unicast",
      sourceGameId: "alpha",
      targetGameId: "beta",
      targetRealm: null,
      broadcast: false,
      recipientGameIds: ["beta"],
      delivery: "IMMEDIATE",
      status: "DELIVERED",
    });
    expect(e.seq).toMatch(/^[1-9]\d*$/);
    expect(e.deliveredAt).not.toBeNull();
  });

  it("no target and no selector is a broadcast with no listed recipients", async () => {
    const e = await published(key["gamma"]!, { type: "route.broadcast" });
    expect(e).toMatchObject({
      sourceGameId: "gamma",
      targetGameId: null,
      targetRealm: null,
      broadcast: true,
      recipientGameIds: [],
    });
  });

  it("an admin publishes from the multiverse itself (sourceGameId null)", async () => {
    const e = await published(ADMIN, { type: "route.admin", targetGameId: "delta" });
    expect(e).toMatchObject({
      sourceGameId: null,
      targetGameId: "delta",
      recipientGameIds: ["delta"],
      broadcast: false,
    });
  });

  it.each([
    [{ realmType: "forest" }, ["alpha", "beta", "delta"]],
    [{ realmType: "forest", adjacency: "north" }, ["alpha", "delta"]],
    [{ realmType: "forest", adjacency: "north", resonance: "arcane" }, ["alpha"]],
    [{ resonance: "industrial" }, ["alpha", "gamma"]],
    [{ adjacency: "south" }, ["alpha", "beta"]],
    [{ adjacency: "north", resonance: "cosmic" }, ["delta"]],
    [{ realmType: "station", resonance: "arcane" }, []],
  ])("realm selector %j reaches exactly the games with a realm matching every part: %j", async (selector, games) => {
    const e = await published(key["gamma"]!, { type: "route.realm", targetRealm: selector });
    expect(sorted(e.recipientGameIds)).toEqual(games);
    expect(e.broadcast).toBe(false);
    expect(e.targetGameId).toBeNull();
    expect(e.targetRealm).toEqual({ realmType: null, adjacency: null, resonance: null, ...selector });
    // omega has a forest/north/arcane realm but is unregistered.
    expect(e.recipientGameIds).not.toContain("omega");
  });

  it("the publisher is a recipient when one of its own realms matches", async () => {
    const e = await published(key["gamma"]!, { type: "route.realm.self", targetRealm: { realmType: "desert" } });
    expect(e.recipientGameIds).toEqual(["gamma"]);
  });

  it("a selector plus targetGameId reaches the target only when one of its realms matches", async () => {
    const hit = await published(key["gamma"]!, {
      type: "route.realm.target",
      targetGameId: "beta",
      targetRealm: { realmType: "forest" },
    });
    expect(hit).toMatchObject({ targetGameId: "beta", recipientGameIds: ["beta"], broadcast: false });
    expect(hit.targetRealm).toMatchObject({ realmType: "forest" });

    const miss = await published(key["gamma"]!, {
      type: "route.realm.target",
      targetGameId: "beta",
      targetRealm: { realmType: "station" },
    });
    expect(miss).toMatchObject({ targetGameId: "beta", recipientGameIds: [], broadcast: false, status: "DELIVERED" });
  });

  it("a selector that matches nothing is stored and delivered, addressed to no one", async () => {
    const e = await published(key["alpha"]!, {
      type: "route.realm.none",
      targetRealm: { realmType: "volcano", adjacency: "nowhere" },
    });
    expect(e).toMatchObject({ recipientGameIds: [], broadcast: false, status: "DELIVERED" });
    expect(e.seq).not.toBeNull();
    const stored = await allEvents(ADMIN, { type: "route.realm.none" });
    expect(ids(stored)).toEqual([e.id]);
    // Only its sender sees it: it reached nobody else.
    for (const g of ["beta", "gamma", "delta"] as const) {
      expect(ids(await allEvents(key[g]!, { type: "route.realm.none" }))).toEqual([]);
    }
    expect(ids(await allEvents(key["alpha"]!, { type: "route.realm.none" }))).toEqual([e.id]);
  });

  it("an unregistered game is never a recipient, and a game cannot target it", async () => {
    const e = await published(ADMIN, { type: "route.unregistered", targetRealm: { resonance: "arcane" } });
    expect(sorted(e.recipientGameIds)).toEqual(["alpha", "beta"]);
    const r = await publish(key["alpha"]!, { type: "route.unregistered", targetGameId: "omega" });
    expect(codeOf(r)).toBe("NOT_FOUND");
    const unknown = await publish(key["alpha"]!, { type: "route.unregistered", targetGameId: "no-such-game" });
    expect(codeOf(unknown)).toBe("NOT_FOUND");
  });

  it("refuses bad routing input with BAD_USER_INPUT and stores nothing", async () => {
    const before = (await universe()).events;
    const cases: PublishInput[] = [
      { type: "route.bad", targetRealm: {} },
      { type: "route.bad", targetRealm: { realmType: null, adjacency: null } },
      { type: "route.bad", targetRealm: { realmType: "Not A Part" } },
      { type: "route.bad", targetGameId: "X" },
      { type: "9starts-with-digit" },
      { type: "" },
      { type: "route.bad", idempotencyKey: "has spaces" },
      { type: "route.bad", idempotencyKey: "x".repeat(129) },
    ];
    for (const input of cases) {
      const r = await publish(key["alpha"]!, input);
      expect(codeOf(r), JSON.stringify(input)).toBe("BAD_USER_INPUT");
      expect(r.data?.publishEvent ?? null).toBeNull();
    }
    expect((await universe()).events).toBe(before);
  });

  it("only games and the admin publish", async () => {
    expect(codeOf(await publish(alphaPlayerToken, { type: "route.who" }))).toBe("FORBIDDEN");
    expect(codeOf(await publish(developer.key, { type: "route.who" }))).toBe("FORBIDDEN");
    const anonymous = await call(PUBLISH, { input: { type: "route.who" } });
    expect(codeOf(anonymous)).toBe("UNAUTHENTICATED");
  });
});

describe("visibility through the events query", () => {
  const sent: Record<string, Ev> = {};
  beforeAll(async () => {
    sent["alphaToBeta"] = await published(key["alpha"]!, { type: "vis", targetGameId: "beta" });
    sent["betaToGamma"] = await published(key["beta"]!, { type: "vis", targetGameId: "gamma" });
    sent["gammaBroadcast"] = await published(key["gamma"]!, { type: "vis" });
    sent["deltaToSouth"] = await published(key["delta"]!, { type: "vis", targetRealm: { adjacency: "south" } });
    sent["adminToDelta"] = await published(ADMIN, { type: "vis", targetGameId: "delta" });
    sent["adminBroadcast"] = await published(ADMIN, { type: "vis" });
    sent["other"] = await published(key["alpha"]!, { type: "vis.other", targetGameId: "gamma" });
  });

  const visible: Record<GameId, string[]> = {
    alpha: ["alphaToBeta", "gammaBroadcast", "deltaToSouth", "adminBroadcast"],
    beta: ["alphaToBeta", "betaToGamma", "gammaBroadcast", "deltaToSouth", "adminBroadcast"],
    gamma: ["betaToGamma", "gammaBroadcast", "adminBroadcast"],
    delta: ["gammaBroadcast", "deltaToSouth", "adminToDelta", "adminBroadcast"],
  };
  const idsOf = (names: string[]) => sorted(names.map((n) => sent[n]!.id));

  it.each(GAMES)("%s sees what it sent, what was addressed to it, and broadcasts", async (game) => {
    const seen = await allEvents(key[game]!, { type: "vis" });
    expect(sorted(ids(seen))).toEqual(idsOf(visible[game]));
  });

  it("a game never sees another game's unicast to a third game", async () => {
    const alpha = ids(await allEvents(key["alpha"]!, { type: "vis" }));
    expect(alpha).not.toContain(sent["betaToGamma"]!.id);
    expect(alpha).not.toContain(sent["adminToDelta"]!.id);
    const gamma = ids(await allEvents(key["gamma"]!, { type: "vis" }));
    expect(gamma).not.toContain(sent["alphaToBeta"]!.id);
    expect(gamma).not.toContain(sent["deltaToSouth"]!.id);
  });

  it("a player sees none of its game's events to games: only what is sent to it or its room (test/realtime/room-events.test.ts)", async () => {
    expect(visible.alpha.length).toBeGreaterThan(0);
    expect(await allEvents(alphaPlayerToken, { type: "vis" })).toEqual([]);
  });

  it("a developer sees the events of its own games", async () => {
    const seen = await allEvents(developer.key, { type: "vis" });
    expect(sorted(ids(seen))).toEqual(idsOf([...new Set([...visible.alpha, ...visible.beta])]));
  });

  it("the admin sees every event", async () => {
    const seen = await allEvents(ADMIN, { type: "vis" });
    expect(sorted(ids(seen))).toEqual(
      idsOf(["alphaToBeta", "betaToGamma", "gammaBroadcast", "deltaToSouth", "adminToDelta", "adminBroadcast"]),
    );
  });

  it("gameId narrows to the events that game sent or received (and broadcasts)", async () => {
    for (const game of GAMES) {
      const seen = await allEvents(ADMIN, { type: "vis", gameId: game });
      expect(sorted(ids(seen)), game).toEqual(idsOf(visible[game]));
    }
    // A game may name itself, and gets what it gets without the filter.
    expect(sorted(ids(await allEvents(key["beta"]!, { type: "vis", gameId: "beta" })))).toEqual(idsOf(visible.beta));
    // A developer may name one of its games.
    expect(sorted(ids(await allEvents(developer.key, { type: "vis", gameId: "alpha" })))).toEqual(idsOf(visible.alpha));
  });

  it("naming another game's private events is refused without disclosing them", async () => {
    // The game is in the public directory, its events are not: FORBIDDEN, and no data.
    const r = await eventsPage(key["alpha"]!, { gameId: "gamma" });
    expect(codeOf(r)).toBe("FORBIDDEN");
    expect(r.data?.events ?? null).toBeNull();
    expect(codeOf(await eventsPage(alphaPlayerToken, { gameId: "beta" }))).toBe("FORBIDDEN");
    expect(codeOf(await eventsPage(developer.key, { gameId: "delta" }))).toBe("FORBIDDEN");
    expect(codeOf(await eventsPage(ADMIN, { gameId: "no-such-game" }))).toBe("NOT_FOUND");
    expect(codeOf(await call(EVENTS, {}))).toBe("UNAUTHENTICATED");
  });

  it("type filters exactly by type", async () => {
    const other = await allEvents(ADMIN, { type: "vis.other" });
    expect(ids(other)).toEqual([sent["other"]!.id]);
    const vis = await allEvents(ADMIN, { type: "vis" });
    expect(vis.every((e) => e.type === "vis")).toBe(true);
    expect(ids(vis)).not.toContain(sent["other"]!.id);
    expect(await allEvents(ADMIN, { type: "no.such.type" })).toEqual([]);
    expect(codeOf(await eventsPage(ADMIN, { type: "not a type" }))).toBe("BAD_USER_INPUT");
  });
});

describe("order and paging", () => {
  it("seqs are decimal strings, strictly increasing and gapless across publishers", async () => {
    const publishers = [key["alpha"]!, key["beta"]!, ADMIN, key["gamma"]!, key["delta"]!];
    const out: Ev[] = [];
    for (let i = 0; i < 10; i++) out.push(await published(publishers[i % publishers.length]!, { type: "order" }));
    const seqs = seqsOf(out);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1n);

    // The whole log so far: exactly "1", "2", ..., N, and N is the last seq.
    const all = await allEvents(ADMIN);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => String(i + 1)));
    expect((await universe()).events).toBe(String(all.length));
    expect(all.at(-1)!.id).toBe(out.at(-1)!.id);
  });

  it("first/after walks every event exactly once, oldest first, with correct pageInfo", async () => {
    const everything = await allEvents(ADMIN);
    expect(everything.length).toBeGreaterThan(20);
    const walked: Ev[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Page = must(await eventsPage(ADMIN, { after, first: 7 })).events;
      pages++;
      expect(page.nodes.length).toBeLessThanOrEqual(7);
      expect(page.edges.map((e) => e.node.id)).toEqual(ids(page.nodes));
      expect(page.edges.map((e) => e.cursor)).toEqual(page.nodes.map((n) => n.seq));
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? after);
      walked.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      expect(page.nodes).toHaveLength(7);
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(everything.length / 7));
    expect(ids(walked)).toEqual(ids(everything));
    expect(new Set(ids(walked)).size).toBe(walked.length);
    const seqs = seqsOf(walked);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true);

    // Past the end: nothing, no next page, and endCursor is `after` itself (docs/api.md), so a
    // poller can keep passing it back.
    const end = must(await eventsPage(ADMIN, { after: walked.at(-1)!.seq, first: 7 })).events;
    expect(end.nodes).toEqual([]);
    expect(end.pageInfo.hasNextPage).toBe(false);
    expect(end.pageInfo.endCursor).toBe(walked.at(-1)!.seq);
  });

  it("an exact page boundary says there is no next page", async () => {
    const everything = await allEvents(ADMIN);
    const page = must(await eventsPage(ADMIN, { first: everything.length })).events;
    expect(page.nodes).toHaveLength(everything.length);
    expect(page.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: everything[0]!.seq,
      endCursor: everything.at(-1)!.seq,
    });
    const short = must(await eventsPage(ADMIN, { first: everything.length - 1 })).events;
    expect(short.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: everything[0]!.seq,
      endCursor: everything.at(-2)!.seq,
    });
  });

  it("last/before reads back from the newest event, each page oldest first, exactly once", async () => {
    const everything = await allEvents(ADMIN);
    // No cursor: the newest ones.
    const newest = must(await eventsPage(ADMIN, { last: 5 })).events;
    expect(ids(newest.nodes)).toEqual(ids(everything.slice(-5)));
    expect(newest.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: everything.at(-5)!.seq,
      endCursor: everything.at(-1)!.seq,
    });
    // Walking back with startCursor as before gives every event once.
    const pages: Ev[][] = [];
    let before: string | null = null;
    for (;;) {
      const page: Page = must(await eventsPage(ADMIN, { before, last: 7 })).events;
      expect(page.edges.map((e) => e.cursor)).toEqual(page.nodes.map((n) => n.seq));
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? before);
      pages.unshift(page.nodes);
      if (!page.pageInfo.hasPreviousPage) break;
      expect(page.nodes).toHaveLength(7);
      before = page.pageInfo.startCursor;
    }
    expect(ids(pages.flat())).toEqual(ids(everything));
    // Before the first event: nothing, and nothing earlier.
    const start = must(await eventsPage(ADMIN, { before: everything[0]!.seq, last: 3 })).events;
    expect(start.nodes).toEqual([]);
    expect(start.pageInfo).toMatchObject({ hasPreviousPage: false, startCursor: everything[0]!.seq });
    // after and before together bound a window; last takes its newest end.
    const [a, b] = [everything[2]!.seq, everything[9]!.seq];
    const window = must(await eventsPage(ADMIN, { after: a, before: b, last: 4 })).events;
    expect(ids(window.nodes)).toEqual(ids(everything.slice(5, 9)));
    expect(window.pageInfo.hasPreviousPage).toBe(true);
    const whole = must(await eventsPage(ADMIN, { after: a, before: b, first: 100 })).events;
    expect(ids(whole.nodes)).toEqual(ids(everything.slice(3, 9)));
  });

  it("last/before keeps a game's view its own", async () => {
    const mine = await allEvents(key["beta"]!);
    const newest = must(await eventsPage(key["beta"]!, { last: 2 })).events;
    expect(ids(newest.nodes)).toEqual(ids(mine.slice(-2)));
    const viaAdmin = must(await eventsPage(ADMIN, { gameId: "beta", last: 2 })).events;
    expect(ids(viaAdmin.nodes)).toEqual(ids(mine.slice(-2)));
  });

  it("paging a game's own view walks exactly its events, in order", async () => {
    const mine = await allEvents(key["beta"]!);
    const walked: Ev[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = must(await eventsPage(key["beta"]!, { after, first: 3 })).events;
      walked.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(ids(walked)).toEqual(ids(mine));
    const seqs = seqsOf(walked);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true);
  });

  it("refuses page sizes outside 1–500 and a cursor that is not a 64-bit integer", async () => {
    for (const first of [0, -1, 501]) {
      expect(codeOf(await eventsPage(ADMIN, { first })), String(first)).toBe("BAD_USER_INPUT");
      expect(codeOf(await eventsPage(ADMIN, { last: first })), `last ${first}`).toBe("BAD_USER_INPUT");
    }
    for (const after of ["abc", "1.5", "99999999999999999999"]) {
      expect(codeOf(await eventsPage(ADMIN, { after })), after).toBe("BAD_USER_INPUT");
      expect(codeOf(await eventsPage(ADMIN, { before: after })), `before ${after}`).toBe("BAD_USER_INPUT");
    }
    const both = await eventsPage(ADMIN, { first: 5, last: 5 });
    expect(codeOf(both)).toBe("BAD_USER_INPUT");
    expect(both.errors?.[0]?.message).toMatch(/first .* or last .*, not both/);
    expect(both.errors?.[0]?.extensions?.["field"]).toBe("last");
  });
});

describe("idempotency", () => {
  it("the same key and content returns the same event and stores one", async () => {
    const before = (await universe()).events;
    const input = { type: "idem.same", targetGameId: "beta", data: { a: 1, b: [1, 2] }, idempotencyKey: "same-1" };
    const first = await published(key["alpha"]!, input);
    const again = await published(key["alpha"]!, input);
    // Key order in data does not make it different content.
    const reordered = await published(key["alpha"]!, { ...input, data: { b: [1, 2], a: 1 } });
    expect(again.id).toBe(first.id);
    expect(again.seq).toBe(first.seq);
    expect(reordered.id).toBe(first.id);
    expect(again).toEqual(first);
    expect(ids(await allEvents(ADMIN, { type: "idem.same" }))).toEqual([first.id]);
    expect(BigInt((await universe()).events)).toBe(BigInt(before) + 1n);
  });

  it.each([
    ["data", { data: { a: 2 } }],
    ["type", { type: "idem.other" }],
    ["target", { targetGameId: "gamma" }],
    ["selector", { targetRealm: { realmType: "forest" } }],
    ["delivery", { delivery: "NEXT_TICK" as const }],
  ])("the same key with a different %s is a CONFLICT that stores nothing", async (_what, change) => {
    const k = `conflict-${randomUUID()}`;
    const base = { type: "idem.conflict", targetGameId: "beta", data: { a: 1 }, idempotencyKey: k };
    const first = await published(key["alpha"]!, base);
    const before = await universe();
    const r = await publish(key["alpha"]!, { ...base, ...change });
    expect(codeOf(r)).toBe("CONFLICT");
    expect(r.data?.publishEvent ?? null).toBeNull();
    expect(await universe()).toEqual(before);
    // The original stays what it was.
    expect(await published(key["alpha"]!, base)).toEqual(first);
  });

  it("the same key from two games makes two independent events", async () => {
    const input = { type: "idem.games", data: { v: 1 }, idempotencyKey: "shared-key" };
    const a = await published(key["alpha"]!, input);
    const b = await published(key["beta"]!, input);
    expect(a.id).not.toBe(b.id);
    expect(a.sourceGameId).toBe("alpha");
    expect(b.sourceGameId).toBe("beta");
    // Different content under the same key from another game is no conflict either.
    const c = await published(key["gamma"]!, { ...input, data: { v: 2 } });
    expect(c.data).toEqual({ v: 2 });
    expect(sorted(ids(await allEvents(ADMIN, { type: "idem.games" })))).toEqual(sorted([a.id, b.id, c.id]));
    // And each game's retry still finds its own.
    expect((await published(key["beta"]!, input)).id).toBe(b.id);
  });

  it("the admin (no source game) has a key space of its own", async () => {
    const input = { type: "idem.admin", data: { v: 1 }, idempotencyKey: "admin-key" };
    const game = await published(key["alpha"]!, input);
    const admin = await published(ADMIN, input);
    expect(admin.id).not.toBe(game.id);
    expect(admin.sourceGameId).toBeNull();
    const again = await published(ADMIN, input);
    expect(again).toEqual(admin);
    expect(codeOf(await publish(ADMIN, { ...input, data: { v: 2 } }))).toBe("CONFLICT");
    expect(sorted(ids(await allEvents(ADMIN, { type: "idem.admin" })))).toEqual(sorted([game.id, admin.id]));
  });

  it.each([
    ["a game", () => key["alpha"]!],
    ["the admin", () => ADMIN],
  ])("10 concurrent identical retries from %s return one and the same event", async (who, credential) => {
    const before = (await universe()).events;
    const type = `idem.race.${who === "the admin" ? "admin" : "game"}`;
    const input = { type, targetGameId: "delta", data: { race: true }, idempotencyKey: `race-${randomUUID()}` };
    const results = await Promise.all(Array.from({ length: 10 }, () => publish(credential(), input)));
    for (const r of results) expect(r.errors).toBeUndefined();
    const events = results.map((r) => r.data!.publishEvent);
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
    expect(new Set(events.map((e) => e.seq)).size).toBe(1);
    expect(ids(await allEvents(ADMIN, { type }))).toEqual([events[0]!.id]);
    // The losers' transactions rolled back: exactly one seq was used.
    expect(BigInt((await universe()).events)).toBe(BigInt(before) + 1n);
    expect(events[0]!.seq).toBe(String(BigInt(before) + 1n));
  });

  it("publishes without an idempotencyKey are all distinct events, from a game and from the admin", async () => {
    const before = BigInt((await universe()).events);
    const out: GqlResult<{ publishEvent: Ev }>[] = [];
    for (const credential of [key["alpha"]!, key["alpha"]!, ADMIN, ADMIN, key["beta"]!, key["beta"]!]) {
      out.push(await publish(credential, { type: "nokey", idempotencyKey: null, data: { same: 1 } }));
    }
    out.push(
      ...(await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          publish(i % 2 ? ADMIN : key["gamma"]!, { type: "nokey", idempotencyKey: null, data: { same: 1 } }),
        ),
      )),
    );
    expect(out.map((r) => r.errors?.[0]?.message ?? null)).toEqual(out.map(() => null));
    const events = out.map((r) => r.data!.publishEvent);
    expect(events.every((e) => e.idempotencyKey === null)).toBe(true);
    expect(new Set(ids(events)).size).toBe(12);
    expect(ids(await allEvents(ADMIN, { type: "nokey" }))).toHaveLength(12);
    expect(BigInt((await universe()).events)).toBe(before + 12n);
  });
});

describe("concurrency", () => {
  it("50 parallel publishes from two games get seqs N+1..N+50: no gap, no duplicate", async () => {
    const before = BigInt((await universe()).events);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        publish(key[i % 2 ? "alpha" : "beta"]!, {
          type: "conc",
          targetGameId: i % 3 ? "gamma" : null,
          data: { i },
        }),
      ),
    );
    expect(results.map((r) => r.errors?.[0]?.message ?? null)).toEqual(results.map(() => null));
    const events = results.map((r) => r.data!.publishEvent);
    const seqs = seqsOf(events).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => before + BigInt(i + 1)));

    const listed = await allEvents(ADMIN, { type: "conc" });
    expect(listed.map((e) => e.seq)).toEqual(seqs.map(String));
    expect(sorted(ids(listed))).toEqual(sorted(ids(events)));
    // Each listed event is the one its publisher was answered with.
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const e of listed) expect(e).toEqual(byId.get(e.id));
    expect((await universe()).events).toBe(String(before + 50n));
  });
});

describe("NEXT_TICK delivery", () => {
  it("is stored PENDING with no seq, left out of events, and counted in universe.pendingEvents", async () => {
    const before = await universe();
    const e = await published(key["alpha"]!, {
      type: "later",
      targetGameId: "beta",
      delivery: "NEXT_TICK",
      data: { when: "next tick" },
    });
    expect(e).toMatchObject({
      status: "PENDING",
      delivery: "NEXT_TICK",
      seq: null,
      tick: null,
      deliveredAt: null,
      recipientGameIds: ["beta"],
      data: { when: "next tick" },
    });
    for (const credential of [ADMIN, key["alpha"]!, key["beta"]!]) {
      expect(await allEvents(credential, { type: "later" })).toEqual([]);
    }
    const after = await universe();
    expect(after.pendingEvents).toBe(before.pendingEvents + 1);
    // It took no seq: the delivered log is unchanged and the next IMMEDIATE event follows on.
    expect(after.events).toBe(before.events);
    const next = await published(key["alpha"]!, { type: "after.later" });
    expect(next.seq).toBe(String(BigInt(before.events) + 1n));
  });

  it("a retried NEXT_TICK publish returns the pending event and stores it once", async () => {
    const before = await universe();
    const input = { type: "later.retry", delivery: "NEXT_TICK" as const, idempotencyKey: `later-${randomUUID()}` };
    const first = await published(key["gamma"]!, input);
    const again = await published(key["gamma"]!, input);
    expect(again).toEqual(first);
    expect((await universe()).pendingEvents).toBe(before.pendingEvents + 1);
  });
});

describe("data", () => {
  const values: [string, unknown][] = [
    ["an object", { score: 10, name: "x", ok: true, none: null }],
    ["an array", [1, "two", { three: 3 }, [4], null, false]],
    ["a string", "just a string"],
    ["an empty string", ""],
    ["a number", 42.5],
    ["a negative integer", -7],
    ["zero", 0],
    ["a boolean", true],
    ["false", false],
    ["an empty object", {}],
    ["an empty array", []],
    [
      "unicode",
      { ключ: "значение", emoji: "🪐🚀👩🏽‍🚀", cjk: "多元宇宙", rtl: "مرحبا", combining: "e\u0301", quote: "\"'\\\n\t" },
    ],
    [
      "nested",
      {
        a: { b: { c: { d: { e: { f: [[[{ g: "deep" }]]] } } } } },
        list: Array.from({ length: 20 }, (_, i) => ({ i })),
      },
    ],
    ["odd keys", { "": "empty key", "a.b": 1, $where: 2, "with space": 3, "0": "zero" }],
    ["large and small numbers", { big: 1.7976931348623157e308, tiny: 5e-324, safe: Number.MAX_SAFE_INTEGER }],
  ];

  it.each(values)("%s round-trips exactly (answer and stored)", async (_what, data) => {
    const type = `data.${randomUUID()}`;
    const e = await published(key["alpha"]!, { type, targetGameId: "beta", data });
    expect(e.data).toEqual(data);
    const [stored] = await allEvents(key["beta"]!, { type });
    expect(stored?.data).toEqual(data);
  });

  it("no data, or null, is stored as the documented default {}", async () => {
    const absent = await published(key["alpha"]!, { type: "data.default" });
    expect(absent.data).toEqual({});
    const nulled = await published(key["alpha"]!, { type: "data.default", data: null });
    expect(nulled.data).toEqual({});
    const stored = await allEvents(ADMIN, { type: "data.default" });
    expect(stored.map((e) => e.data)).toEqual([{}, {}]);
  });

  it("data given as a literal in the query round-trips too", async () => {
    const r = must(
      await call<{ publishEvent: Ev }>(
        `mutation { publishEvent(input: { type: "data.literal", idempotencyKey: "literal-1", data: { a: [1, 2.5, "x", null, true], b: { c: "ü" } } }) { data } }`,
        {},
        key["alpha"]!,
      ),
    );
    expect(r.publishEvent.data).toEqual({ a: [1, 2.5, "x", null, true], b: { c: "ü" } });
  });

  it("a string holding U+0000 is stored exactly or refused as BAD_USER_INPUT, never an internal error", async () => {
    const data = { nul: "a\u0000b" };
    const r = await publish(key["alpha"]!, { type: "data.nul", data });
    if (r.errors) {
      expect(codeOf(r)).toBe("BAD_USER_INPUT");
    } else {
      expect(r.data!.publishEvent.data).toEqual(data);
      expect((await allEvents(ADMIN, { type: "data.nul" }))[0]?.data).toEqual(data);
    }
  });

  it("data over the size limit is BAD_USER_INPUT naming the field, and nothing is stored", async () => {
    const before = await universe();
    const r = await publish(key["alpha"]!, { type: "data.big", data: { blob: "x".repeat(70_000) } });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.extensions?.["field"]).toBe("data");
    expect(await universe()).toEqual(before);
    // Just under the limit (64 KiB of JSON text) is fine.
    const fits = await published(key["alpha"]!, { type: "data.big", data: "y".repeat(65_536 - 2) });
    expect((fits.data as string).length).toBe(65_534);
  });
});

describe("the whole log", () => {
  it("every game sees exactly the events it sent, received or that were broadcast", async () => {
    const all = await allEvents(ADMIN);
    for (const game of GAMES) {
      const expected = all.filter((e) => e.sourceGameId === game || e.recipientGameIds.includes(game) || e.broadcast);
      expect(ids(await allEvents(key[game]!)), game).toEqual(ids(expected));
    }
  });

  it("is gapless from 1 to universe.events", async () => {
    const all = await allEvents(ADMIN);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => String(i + 1)));
    expect((await universe()).events).toBe(String(all.length));
    expect(all.every((e) => e.status === "DELIVERED" && e.deliveredAt !== null && e.tick !== null)).toBe(true);
  });

  it("every error answered in this file has a code from the fixed set", () => {
    expect(seenErrors.length).toBeGreaterThan(10);
    for (const e of seenErrors) expect(ERROR_CODES, JSON.stringify(e)).toContain(e.extensions?.["code"]);
  });
});
