// Requests and frames whose cost the server must bound before doing the work (docs/api.md,
// "Limits"): introspection asked for many times over (aliases of __schema, aliases inside it,
// multiplied by fragments) and WebSocket frames larger than an HTTP body may be. Each case
// asserts the documented refusal, and that a normal client keeps its latency meanwhile (a bound
// read from a baseline taken in the same test) while the server's memory stays within a budget.
import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { underAbuse as underAbuseOf } from "../support/abuse.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { connectWs } from "../support/ws.ts";
import { createDeveloper, seedGame } from "../support/fixtures.ts";
import { dbQueriesDuring } from "../support/metrics.ts";
import { ROUND_TRIP_COST } from "../../server/src/platform/graphql/query-cost.ts";
import { buildGraphQLSchema } from "../../server/src/schema.ts";

/** Heap the server (in this process) may grow by while it is abused. */
const MEMORY_BUDGET_BYTES = 150 * 1024 * 1024;

interface Answer {
  status: number;
  bytes: number;
  json: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

describe("bounded requests and frames", () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.stop();
  });

  /** One operation, anonymously unless `credential` is given. */
  const post = async (query: string, credential?: string): Promise<Answer> => {
    const res = await fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
      body: JSON.stringify({ query }),
    });
    const text = await res.text();
    return { status: res.status, bytes: text.length, json: JSON.parse(text) as Answer["json"] };
  };

  /** A normal client's query, which must be answered. */
  const normal = async () => {
    const r = await post("{ games { id } }", TEST_ADMIN_TOKEN);
    expect(r.json.errors).toBeUndefined();
  };
  /** `abuse` 8 times in parallel while the normal client keeps its latency and the heap its budget. */
  const underAbuse = (abuse: () => Promise<unknown>) =>
    underAbuseOf(normal, abuse, { memoryBudgetBytes: MEMORY_BUDGET_BYTES });

  const expectRefused = (r: Answer, reason: string) => {
    expect(r.status).toBe(400);
    expect(r.json.data ?? null).toBeNull();
    expect(r.json.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason });
  };

  describe("introspection", () => {
    it("answers GraphiQL's own introspection query, anonymously", async () => {
      const r = await post(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
      expect(r.json.errors).toBeUndefined();
      expect((r.json.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(20);
    });

    it("refuses __schema asked for twice or more (aliases), before doing the work", async () => {
      const aliases = Array.from({ length: 50 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`);
      const query = `{ ${aliases.join(" ")} }`;
      const r = await post(query);
      expectRefused(r, "INTROSPECTION_LIMIT");
      expect(r.json.errors?.[0]?.message).toMatch(/selects __schema 50 and __type 0 times; the limits are 1 and 20/);
      expect(r.bytes).toBeLessThan(2_000);
      await underAbuse(() => post(query));
    });

    it("refuses __schema multiplied by fragments", async () => {
      const levels = Array.from({ length: 4 }, (_, i) => `fragment F${i} on Query { ${`...F${i + 1} `.repeat(2)}}`);
      const r = await post(`{ ...F0 } ${levels.join(" ")} fragment F4 on Query { __schema { queryType { name } } }`);
      expectRefused(r, "INTROSPECTION_LIMIT");
    });

    it("refuses an introspection field asked for under two names, however fragments hide it", async () => {
      const query = `{ __schema { ...A ...B } }
        fragment A on __Schema { a: types { name fields { name type { name } } } }
        fragment B on __Schema { b: types { name fields { name type { name } } } }`;
      const r = await post(query);
      expectRefused(r, "INTROSPECTION_LIMIT");
      expect(r.json.errors?.[0]?.message).toMatch(/__Schema\.types/);
      await underAbuse(() => post(query));
      // Inside a type too.
      const inType = await post(`{ __type(name: "Game") { f: fields { name } g: fields { name } } }`);
      expectRefused(inType, "INTROSPECTION_LIMIT");
    });

    it("takes __type up to 20 times, and refuses 21", async () => {
      const types = (n: number) =>
        Array.from({ length: n }, (_, i) => `t${i}: __type(name: "Game") { name }`).join(" ");
      const ok = await post(`{ ${types(20)} }`);
      expect(ok.json.errors).toBeUndefined();
      expectRefused(await post(`{ ${types(21)} }`), "INTROSPECTION_LIMIT");
    });
  });

  describe("fields that read the database", () => {
    let player: string;
    beforeAll(async () => {
      const dev = await createDeveloper(s, "Bounds");
      const game = await seedGame(s, dev, "bounds-game");
      player = game.players[0]!.token;
    });

    it("prices every root query field at one database round trip or more, so aliases cannot multiply reads cheaply", async () => {
      const query = (await buildGraphQLSchema()).getQueryType()!;
      for (const field of Object.values(query.getFields())) {
        const complexity = field.extensions["complexity"];
        expect(typeof complexity, field.name).toBe("function");
        const price = (complexity as (o: { args: object; childComplexity: number }) => number)({
          args: {},
          childComplexity: 1,
        });
        expect(price, field.name).toBeGreaterThanOrEqual(ROUND_TRIP_COST + 1);
      }
    });

    // 500 aliases (11 tokens each) stay under MAX_QUERY_TOKENS (10,000): the cost is what refuses them.
    it("refuses 500 aliases of game(id) before reading anything; as many as the cost allows are answered", async () => {
      const games = (n: number) =>
        `{ ${Array.from({ length: n }, (_, i) => `g${i}: game(id: "bounds-game") { id }`).join(" ")} }`;
      await post("{ __typename }", player);
      let r: Answer | undefined;
      expect(await dbQueriesDuring(s.url, async () => (r = await post(games(500), player)))).toBe(0);
      expectRefused(r!, "QUERY_TOO_COMPLEX");
      expect(r!.json.errors?.[0]?.message).toMatch(/costs 25500, over the limit of 25000/);
      await underAbuse(() => post(games(500), player));
      r = await post(games(100), player);
      expect(r.json.errors).toBeUndefined();
      expect(Object.keys(r.json.data as object)).toHaveLength(100);
    });

    const universes = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `u${i}: universe { games }`).join(" ")} }`;

    it("refuses 1,000 aliases of universe from a player token, before reading anything", async () => {
      await post("{ __typename }", player); // who the token stands for is read (and cached) here
      let r: Answer | undefined;
      expect(await dbQueriesDuring(s.url, async () => (r = await post(universes(1000), player)))).toBe(0);
      expectRefused(r!, "QUERY_TOO_COMPLEX");
      await underAbuse(() => post(universes(1000), player));
    });

    it("answers as many aliases of universe as the cost allows with one read", async () => {
      await post("{ __typename }", player);
      let r: Answer | undefined;
      const queries = await dbQueriesDuring(s.url, async () => (r = await post(universes(30), player)));
      expect(r!.json.errors).toBeUndefined();
      const answers = Object.values(r!.json.data as Record<string, { games: number }>);
      expect(answers).toHaveLength(30);
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect(answers[0]!.games).toBeGreaterThan(0);
      // Five counts and the event log's head, however many aliases.
      expect(queries).toBe(6);
    });
  });

  describe("WebSocket frames", () => {
    const limit = () => s.app.services.config.maxRequestBytes;

    /** Opens a raw graphql-transport-ws socket, sends `frames`, and resolves with the close code. */
    const sendFrames = async (frames: string[]): Promise<number> => {
      const socket = new WebSocket(`${s.url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
      const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
      socket.on("error", () => undefined); // the server's close arrives as the close event
      await new Promise<void>((resolve, reject) => socket.once("open", resolve).once("error", reject));
      for (const f of frames) socket.send(f);
      return closed;
    };
    const bigInit = () => JSON.stringify({ type: "connection_init", payload: { pad: "x".repeat(limit() + 1024) } });

    it("closes a connection_init larger than an HTTP body with 1009, unread, with one JSON log line", async () => {
      const stderr = vi.spyOn(console, "error");
      const logged = () => s.logs.filter((l) => l["msg"] === "websocket: connection closed on a protocol error");
      const before = logged().length;
      try {
        expect(await sendFrames([bigInit()])).toBe(1009);
        await underAbuse(() => sendFrames([bigInit()]));
        expect(logged().length - before).toBe(9);
        expect(logged().at(-1)).toMatchObject({ code: "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" });
        expect(stderr).not.toHaveBeenCalled();
      } finally {
        stderr.mockRestore();
      }
    });

    it("closes a subscribe frame larger than an HTTP body with 1009, after the acknowledgement", async () => {
      const init = JSON.stringify({
        type: "connection_init",
        payload: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      const subscribe = JSON.stringify({
        id: "1",
        type: "subscribe",
        payload: { query: `subscription { ticks { number } }`, variables: { pad: "x".repeat(limit() + 1024) } },
      });
      expect(await sendFrames([init, subscribe])).toBe(1009);
    });

    it("takes a frame of just under the limit", async () => {
      const c = connectWs(s.url, undefined, {
        connectionParams: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, pad: "x".repeat(limit() - 1024) },
      });
      try {
        await c.connected;
      } finally {
        await c.dispose();
      }
    });
  });
});
