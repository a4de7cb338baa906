// Subscriptions over Server-Sent Events (graphql-sse, distinct connections mode) on /graphql, as
// a plain HTTP client sees them: the credential is checked before the stream opens, the limits
// and visibility are the WebSocket's, a player's stream makes it online, and a stream whose
// credential ends (the game's key rotated) ends with a last event carrying close code 4011.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issuePlayerToken, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { sseSubscribe, type TestSseStream } from "../support/sse.ts";
import { metricValue } from "../support/metrics.ts";
import { waitUntil, within } from "../support/wait.ts";

const EVENTS = `subscription($since: Int64) { events(since: $since) { seq type targetPlayerId } }`;
// `data` selected: it makes the flood's messages big.
const EVENTS_WITH_DATA = `subscription($since: Int64) { events(since: $since) { seq type data } }`;
const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`;

describe("subscriptions over SSE", () => {
  let s: TestServer;
  const streams: TestSseStream[] = [];
  const sse = async (credential: string | undefined, query: string, variables?: Record<string, unknown>) => {
    const stream = await sseSubscribe(s.url, credential, query, variables);
    streams.push(stream);
    return stream;
  };
  const publish = async (input: Record<string, unknown>, key = TEST_ADMIN_TOKEN) =>
    must(await s.gql<{ publishEvent: { seq: string } }>(PUBLISH, { i: input }, key)).publishEvent.seq;
  const lastSeq = async () =>
    must(await s.gql<{ eventLog: { lastSeq: string } }>(`{ eventLog { lastSeq } }`, {}, TEST_ADMIN_TOKEN)).eventLog
      .lastSeq;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await s?.stop();
  });

  it("refuses a missing or bad credential with 401 before any stream opens", async () => {
    for (const credential of [undefined, "mv_not-a-key"]) {
      const refused = await sse(credential, EVENTS);
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
    }
  });

  it("reports a document refused by the limits as a next with its errors, then complete", async () => {
    const stream = await sse(TEST_ADMIN_TOKEN, `subscription { events { nope } }`);
    expect(stream.status).toBe(200);
    await stream.ended;
    expect(stream.events.map((e) => e.event)).toEqual(["next", "complete"]);
    expect(stream.nexts()[0]!.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("a player's stream makes it online, sees only its audience's events, and resumes with since", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "sse-game", { developerName: "SSE Dev" });
    const alice = await upsertPlayer(s, g.apiKey, "sse-alice");
    const bob = await upsertPlayer(s, g.apiKey, "sse-bob");
    const since = await lastSeq();
    const stream = await sse(await issuePlayerToken(s, g.apiKey, alice), EVENTS, { since });
    expect(stream.status).toBe(200);
    const online = async () =>
      must(
        await s.gql<{ players: Array<{ id: string }> }>(`{ players(online: true) { id } }`, {}, g.apiKey),
      ).players.map((p) => p.id);
    await waitUntil("alice online over SSE", async () => (await online()).includes(alice));

    await publish({ type: "for.bob", targetPlayerId: bob }, g.apiKey);
    const mine = await publish({ type: "for.alice", targetPlayerId: alice }, g.apiKey);
    await publish({ type: "for.all" }, g.apiKey); // a game's broadcast reaches no player
    await publish({ type: "for.alice.again", targetPlayerId: alice }, g.apiKey);
    await stream.received(2);
    const types = stream.nexts().map((n) => (n.data!["events"] as { type: string }).type);
    expect(types).toEqual(["for.alice", "for.alice.again"]);

    // A new stream from `since` = the first one's seq replays what came after it.
    const resumed = await sse(await issuePlayerToken(s, g.apiKey, alice), EVENTS, { since: mine });
    await resumed.received(1);
    expect((resumed.nexts()[0]!.data!["events"] as { type: string }).type).toBe("for.alice.again");

    stream.close();
    resumed.close();
    await waitUntil("alice offline once her streams closed", async () => !(await online()).includes(alice));
  });

  it("rotating the game's key ends its stream: a last next with close code 4011, no complete", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "sse-rotated", { developerName: "SSE Rotator" });
    const stream = await sse(g.apiKey, EVENTS, { since: await lastSeq() });
    await publish({ type: "before.rotation" }, g.apiKey);
    await stream.received(1);
    must(await s.gql(`mutation { rotateGameKey(id: "sse-rotated") { apiKey } }`, {}, TEST_ADMIN_TOKEN));
    await stream.ended;
    const last = stream.events.at(-1)!;
    expect(last.event).toBe("next");
    expect(last.data).toMatchObject({
      errors: [{ extensions: { code: "UNAUTHENTICATED", closeCode: 4011 } }],
    });
    expect(stream.events.some((e) => e.event === "complete")).toBe(false);
    // The old key is refused from now on.
    expect((await sse(g.apiKey, EVENTS)).status).toBe(401);
  });

  describe("a slow consumer", () => {
    let slow: TestServer;
    beforeAll(async () => {
      slow = await startTestServer({ MAX_SOCKET_BUFFER_BYTES: "65536", SUBSCRIPTION_BUFFER_SIZE: "10" });
    });
    afterAll(async () => {
      await slow?.stop();
    });

    it("a stream that stops reading is ended with close code 4010; since = its last seq brings the rest", async () => {
      const publish = async (input: Record<string, unknown>) =>
        must(await slow.gql<{ publishEvent: { seq: string } }>(PUBLISH, { i: input }, TEST_ADMIN_TOKEN)).publishEvent
          .seq;
      const counted = () => metricValue(slow.url, "multiverse_slow_consumer_disconnects_total");
      const before = await counted();
      const stream = await sseSubscribe(slow.url, TEST_ADMIN_TOKEN, EVENTS_WITH_DATA, { since: "0" });
      streams.push(stream);
      const probe = await publish({ type: "probe" });
      await stream.received(1);

      // Stop reading and flood (~32 KB events) until the server gives up on it, or 12 MB went out.
      stream.pause();
      const flooded: string[] = [];
      while (flooded.length < 400 && (await counted()) === before) {
        flooded.push(
          ...(await Promise.all(
            Array.from({ length: 10 }, (_, i) => publish({ type: "flood", data: { i, blob: "x".repeat(32_000) } })),
          )),
        );
      }
      expect(await counted()).toBe(before + 1);
      stream.resume();
      await within(stream.ended, 15_000, () => `the end of the stream (got ${stream.nexts().length} events)`);
      expect(stream.events.at(-1)!.data).toMatchObject({
        errors: [{ message: expect.stringMatching(/since/), extensions: { closeCode: 4010 } }],
      });
      const got = stream
        .nexts()
        .filter((n) => n.data)
        .map((n) => (n.data!["events"] as { seq: string }).seq);
      flooded.sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
      expect(got.length).toBeLessThan(1 + flooded.length);
      expect(got).toEqual([probe, ...flooded].slice(0, got.length));

      // Resuming from the last seq it got brings exactly the rest.
      const rest = await sseSubscribe(slow.url, TEST_ADMIN_TOKEN, EVENTS_WITH_DATA, { since: got.at(-1)! });
      streams.push(rest);
      const missing = 1 + flooded.length - got.length;
      await within(rest.received(missing), 15_000, () => `${missing} events (got ${rest.nexts().length})`);
      const resumed = rest.nexts().map((n) => (n.data!["events"] as { seq: string }).seq);
      expect([...got, ...resumed]).toEqual([probe, ...flooded]);
    });
  });

  it("a stopping node ends its streams with close code 1001", async () => {
    const stopping = await startTestServer();
    let stopped = false;
    try {
      const stream = await sseSubscribe(stopping.url, TEST_ADMIN_TOKEN, EVENTS, { since: "0" });
      streams.push(stream);
      must(await stopping.gql(PUBLISH, { i: { type: "before.stop" } }, TEST_ADMIN_TOKEN));
      await stream.received(1);
      stopped = true;
      await stopping.app.stop();
      await within(stream.ended, 15_000, () => "the end of the stream");
      expect(stream.events.at(-1)!.data).toMatchObject({ errors: [{ extensions: { closeCode: 1001 } }] });
    } finally {
      await (stopped ? stopping.db.drop() : stopping.stop());
    }
  });
});
