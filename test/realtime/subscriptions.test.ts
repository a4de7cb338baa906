// GraphQL subscriptions over graphql-ws on one node: authentication at connect, the events
// stream (replay with since, then live), ticks and NEXT_TICK delivery, limits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { must, seedWorld, type World } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { connectWs, subscribe, type TestWsClient } from "../support/ws.ts";

const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq status tick } }`;
const EVENTS = `subscription($since: Int64, $gameId: ID) { events(since: $since, gameId: $gameId) { seq type sourceGameId tick data } }`;

interface EventMsg {
  events: { seq: string; type: string; sourceGameId: string | null; tick: string | null; data: unknown };
}

describe("subscriptions on one node", () => {
  let s: TestServer;
  let w: World;
  const open: TestWsClient[] = [];
  const ws = (credential?: string) => {
    const c = connectWs(s.url, credential);
    open.push(c);
    return c;
  };
  const publish = async (key: string, input: Record<string, unknown>) =>
    must(
      await s.gql<{ publishEvent: { seq: string | null; status: string; tick: string | null } }>(
        PUBLISH,
        { i: input },
        key,
      ),
    ).publishEvent;

  beforeAll(async () => {
    // A fast tick, so NEXT_TICK delivery is quick to observe.
    s = await startTestServer({ TICK_HZ: "20", MAX_SUBSCRIPTIONS_PER_CONNECTION: "3" });
    w = await seedWorld(s);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.dispose()));
    await s?.stop();
  });

  it("closes a connection without a valid credential with 4403", async () => {
    for (const credential of [undefined, "mvg_not-a-key", "a.b.c"]) {
      const c = ws(credential);
      const closed = await c.closed;
      expect(closed.code).toBe(4403);
      expect(closed.reason).not.toBe("");
    }
  });

  it("delivers a game the events addressed to it, live, and not those of others", async () => {
    const a = ws(w.gameA.apiKey);
    await a.connected;
    const sub = subscribe<EventMsg>(a, EVENTS);
    // The subscription is live once an event published after it arrives: wait for that signal.
    await publish(w.gameB.apiKey, { type: "probe", targetGameId: "game-a" });
    await sub.received(1);
    await publish(w.gameB.apiKey, { type: "secret", targetGameId: "game-b" }); // not for A
    const last = await publish(w.gameB.apiKey, { type: "hello-a", targetGameId: "game-a", data: { n: 1 } });
    const got = await sub.received(2);
    expect(got.map((m) => m.events.type)).toEqual(["probe", "hello-a"]);
    expect(got[1]!.events).toMatchObject({ seq: last.seq, sourceGameId: "game-b", data: { n: 1 } });
    sub.stop();
  });

  it("replays everything after since, then goes live, with no gap and no duplicate", async () => {
    const before: string[] = [];
    for (let i = 0; i < 5; i++) before.push((await publish(w.gameA.apiKey, { type: "replay", data: { i } })).seq!);
    const admin = ws(TEST_ADMIN_TOKEN);
    await admin.connected;
    const since = before[1]!;
    const sub = subscribe<EventMsg>(admin, EVENTS, { since });
    const replayed = await sub.received(3);
    expect(replayed.map((m) => m.events.seq)).toEqual(before.slice(2));
    const live = [];
    for (let i = 0; i < 3; i++) live.push((await publish(w.gameA.apiKey, { type: "live", data: { i } })).seq!);
    const all = await sub.received(6);
    const seqs = all.map((m) => BigInt(m.events.seq));
    // Strictly increasing, and exactly the log after `since` (nothing else was published meanwhile).
    expect(seqs.every((q, i) => i === 0 || q === seqs[i - 1]! + 1n)).toBe(true);
    expect(all.slice(3).map((m) => m.events.seq)).toEqual(live);
    sub.stop();
  });

  it("refuses a since ahead of the log", async () => {
    const c = ws(TEST_ADMIN_TOKEN);
    await c.connected;
    const errors = await subscribe(c, EVENTS, { since: "999999999" }).errored;
    expect(errors[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(errors[0]?.message).toMatch(/ahead of the log/);
  });

  it("streams ticks with increasing numbers, and delivers NEXT_TICK events on a tick", async () => {
    const c = ws(w.gameA.apiKey);
    await c.connected;
    const ticks = subscribe<{ ticks: { number: string; durationMs: number } }>(
      c,
      `subscription { ticks { number durationMs } }`,
    );
    const [t1, t2] = await ticks.received(2);
    expect(BigInt(t2!.ticks.number)).toBeGreaterThan(BigInt(t1!.ticks.number));
    const events = subscribe<EventMsg>(c, EVENTS);
    await publish(w.gameA.apiKey, { type: "probe-tick", targetGameId: "game-a" });
    await events.received(1);
    const pending = await publish(w.gameB.apiKey, { type: "at-tick", targetGameId: "game-a", delivery: "NEXT_TICK" });
    expect(pending).toEqual({ seq: null, status: "PENDING", tick: null });
    const [, delivered] = await events.received(2);
    expect(delivered!.events.type).toBe("at-tick");
    expect(delivered!.events.tick).not.toBeNull();
    ticks.stop();
    events.stop();
  });

  it("refuses a bad document on its own subscription, like HTTP, and keeps the connection and its slots", async () => {
    const c = ws(w.gameA.apiKey);
    await c.connected;
    const parse = await subscribe(c, `subscription { ticks { number }`).errored;
    expect(parse[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "GRAPHQL_PARSE_FAILED" });
    const invalid = await subscribe(c, `subscription { ticks { nope } }`).errored;
    expect(invalid[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "GRAPHQL_VALIDATION_FAILED" });
    const costly = await subscribe(
      c,
      `subscription { events { seq } } ${Array.from({ length: 30 }, (_, i) => `fragment f${i} on Event { seq }`).join(" ")}`,
    ).errored;
    expect(costly[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    // The connection is still up, and the refusals took no slot: all 3 are free.
    const subs = [1, 2, 3].map(() => subscribe(c, `subscription { ticks { number } }`));
    await Promise.all(subs.map((x) => x.received(1)));
    subs.forEach((x) => x.stop());
  });

  it("refuses a bad document every time it comes, though a good one is parsed once per node", async () => {
    const c = ws(w.gameA.apiKey);
    await c.connected;
    // The node keeps the documents that passed, by their text; one that failed must not be kept.
    const bad = `subscription { ticks { number nope } }`;
    for (let i = 0; i < 2; i++) {
      const invalid = await subscribe(c, bad).errored;
      expect(invalid[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "GRAPHQL_VALIDATION_FAILED" });
    }
    const good = `subscription { ticks { number } }`;
    const subs = [1, 2].map(() => subscribe(c, good));
    await Promise.all(subs.map((x) => x.received(1)));
    subs.forEach((x) => x.stop());
  });

  it("refuses documents over MAX_QUERY_TOKENS before validating them, over HTTP and WebSocket", async () => {
    const c = ws(TEST_ADMIN_TOKEN);
    await c.connected;
    // 12000 aliases (36000 tokens): quadratic to validate, so refused by size while parsing.
    const huge = Array.from({ length: 12_000 }, (_, i) => `a${i}: seq`).join(" ");
    const refused = await subscribe(c, `subscription { events { ${huge} } }`).errored;
    expect(refused[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "GRAPHQL_PARSE_FAILED" });
    expect(refused[0]?.message).toMatch(/contains more th\w+ 10000 tokens/);
    const http = await s.gql(`query { events { nodes { ${huge} } } }`, {}, TEST_ADMIN_TOKEN);
    expect(http.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "GRAPHQL_PARSE_FAILED" });
  });

  it("answers a variable that does not fit its type with BAD_USER_INPUT, as over HTTP", async () => {
    const c = ws(TEST_ADMIN_TOKEN);
    await c.connected;
    const errors = await subscribe(c, `subscription($g: ID!) { events(gameId: $g) { seq } }`, {}).errored;
    expect(errors[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(errors[0]?.message).toMatch(/\$g/);
  });

  it("enforces MAX_QUERY_COST on subscriptions too", async () => {
    const tight = await startTestServer({ MAX_QUERY_COST: "20", TICK_HZ: "20" });
    try {
      const c = connectWs(tight.url, TEST_ADMIN_TOKEN);
      open.push(c);
      await c.connected;
      const refused = await subscribe(
        c,
        `subscription { events { ${Array.from({ length: 30 }, (_, i) => `a${i}: seq`).join(" ")} } }`,
      ).errored;
      expect(refused[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "QUERY_TOO_COMPLEX" });
      // The connection stays usable for a cheap one.
      const ok = subscribe(c, `subscription { ticks { number } }`);
      await ok.received(1);
      ok.stop();
    } finally {
      await tight.stop();
    }
  });

  it("limits subscriptions per connection with RATE_LIMITED", async () => {
    const c = ws(w.gameA.apiKey);
    await c.connected;
    const subs = [1, 2, 3].map(() => subscribe(c, `subscription { ticks { number } }`));
    await Promise.all(subs.map((x) => x.received(1)));
    const errors = await subscribe(c, `subscription { ticks { number } }`).errored;
    expect(errors[0]?.extensions?.["code"]).toBe("RATE_LIMITED");
    subs.forEach((x) => x.stop());
  });
});

describe("shutdown", () => {
  it("tells subscribers to reconnect elsewhere (1001) when the server stops", async () => {
    const s = await startTestServer();
    const c = connectWs(s.url, TEST_ADMIN_TOKEN);
    await c.connected;
    const sub = subscribe(c, `subscription { ticks { number } }`);
    const stopping = s.stop();
    expect((await c.closed).code).toBe(1001);
    await stopping;
    sub.stop();
  });
});
