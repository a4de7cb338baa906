// Input that is the caller's fault answers as such, never INTERNAL_SERVER_ERROR (issue 12,
// item 8): a player token signed with the right secret whose subject is not a player id, NUL in
// id arguments, and event data Postgres cannot store (lone surrogates, nesting past its limit).
// Each is also sent 8 times at once while a normal client queries: its latency stays within a
// bound read from a baseline in the same test, and the server's heap within a budget.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlayerTokens } from "../../server/src/platform/auth/player-tokens.ts";
import { underAbuse as underAbuseOf } from "../support/abuse.ts";
import { startTestServer, TEST_ADMIN_TOKEN, TEST_JWT_SECRET, type TestServer } from "../support/server.ts";
import { connectWs, subscribe } from "../support/ws.ts";

/** Heap the server (in this process) may grow by while it is sent bad input. */
const MEMORY_BUDGET_BYTES = 100 * 1024 * 1024;

/**
 * `abuse` 8 times at once while a normal client (the admin listing games, which must be
 * answered) keeps its latency, and the heap its budget (test/support/abuse.ts).
 */
const underAbuse = (s: TestServer, abuse: () => Promise<unknown>) =>
  underAbuseOf(
    async () => expect((await s.gql("{ games { id } }", {}, TEST_ADMIN_TOKEN)).errors).toBeUndefined(),
    abuse,
    { memoryBudgetBytes: MEMORY_BUDGET_BYTES },
  );

describe("a well-signed player token with a subject that is not a player id", () => {
  let s: TestServer;
  let token: string;

  beforeAll(async () => {
    s = await startTestServer();
    ({ token } = await new PlayerTokens(TEST_JWT_SECRET).issue({ playerId: "not-a-uuid", gameId: "some-game" }));
  });
  afterAll(async () => {
    await s?.stop();
  });

  const query = async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "{ games { id } }" }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("UNAUTHENTICATED");
    expect(body.errors?.[0]?.message).toMatch(/player token is invalid or expired/);
  };
  const connect = async () => {
    const closed = await connectWs(s.url, token).closed;
    expect(closed).toEqual({ code: 4403, reason: expect.stringMatching(/player token is invalid or expired/) });
  };

  it("is refused as UNAUTHENTICATED over HTTP (401), like any invalid token", async () => {
    await query();
    await underAbuse(s, query);
  });

  it("closes a WebSocket with 4403 and the same reason", async () => {
    await connect();
    await underAbuse(s, connect);
  });
});

describe("arguments and event data that cannot be stored", () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.stop();
  });

  const codeOf = async (query: string, variables: Record<string, unknown> = {}) => {
    const r = await s.gql(query, variables, TEST_ADMIN_TOKEN);
    return { code: r.errors?.[0]?.extensions?.["code"], message: r.errors?.[0]?.message ?? "", data: r.data };
  };

  it.each([
    ["game(id)", `query($v: ID!) { game(id: $v) { id } }`],
    ["players(gameId)", `query($v: ID) { players(gameId: $v) { id } }`],
    ["events(gameId)", `query($v: ID) { events(gameId: $v) { edges { cursor } } }`],
    ["realms(gameId)", `query($v: ID) { realms(gameId: $v) { id } }`],
    ["room(id)", `query($v: ID!) { room(id: $v) { id } }`],
  ])("refuses a NUL in %s as BAD_USER_INPUT", async (_name, query) => {
    const refused = async () => {
      const { code, message } = await codeOf(query, { v: "game\u0000a" });
      expect(code).toBe("BAD_USER_INPUT");
      expect(message).toMatch(/NUL|UUID/);
    };
    await refused();
    await underAbuse(s, refused);
  });

  it("refuses a NUL in a subscription's gameId as BAD_USER_INPUT", async () => {
    const refused = async () => {
      const c = connectWs(s.url, TEST_ADMIN_TOKEN);
      await c.connected;
      const sub = subscribe(c, `subscription($v: ID) { events(gameId: $v) { seq } }`, { v: "g\u0000" });
      expect((await sub.errored)[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      await c.dispose();
    };
    await refused();
    await underAbuse(s, refused);
  });

  const publish = (data: unknown) =>
    codeOf(`mutation($d: JSON) { publishEvent(input: { type: "bad-data", data: $d }) { id } }`, { d: data });

  it("refuses a lone surrogate in event data as BAD_USER_INPUT, and stores nothing", async () => {
    const before = await s.app.services.prisma.event.count({ where: { type: "bad-data" } });
    const refused = async () => {
      for (const d of [{ s: "\ud800" }, { ["\udfff"]: 1 }, ["ok", "\ud83d"]]) {
        const { code, message } = await publish(d);
        expect(code).toBe("BAD_USER_INPUT");
        expect(message).toMatch(/surrogate|Unicode/i);
      }
    };
    await refused();
    await underAbuse(s, refused);
    expect(await s.app.services.prisma.event.count({ where: { type: "bad-data" } })).toBe(before);
  });

  it("refuses event data nested 3,000 levels deep as BAD_USER_INPUT", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 3000; i++) deep = { d: deep };
    const refused = async () => {
      const { code, message } = await publish(deep);
      expect(code).toBe("BAD_USER_INPUT");
      expect(message).toMatch(/deep|nested/i);
    };
    await refused();
    await underAbuse(s, refused);
  });

  it("takes data holding the six characters \\u0000 (no NUL), and a pair of surrogates", async () => {
    const { code, data } = await publish({ text: "\\u0000", emoji: "😀" });
    expect(code).toBeUndefined();
    expect(data).toBeTruthy();
  });
});
