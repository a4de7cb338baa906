// Query depth and cost limits, malformed requests, error masking and log hygiene, over real
// HTTP against real servers and Postgres.
import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onRealPostgres } from "../support/database.ts";
import { createDeveloper, issuePlayerToken, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { ERROR_CODES } from "../support/graphql.ts";
import { startTestServer, TEST_ADMIN_TOKEN, TEST_JWT_SECRET, type TestServer } from "../support/server.ts";

const ADMIN = TEST_ADMIN_TOKEN;

type GqlError = { message: string; extensions?: Record<string, unknown>; [k: string]: unknown };

/** Every error any request in this file answered, for the fixed-set check at the end. */
const seenErrors: GqlError[] = [];

interface Raw {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, when it is JSON. */
  json: { data?: unknown; errors?: GqlError[] } | undefined;
}

/** POSTs `body` as it is to `url`/graphql. */
async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  let json: Raw["json"];
  try {
    json = JSON.parse(text) as Raw["json"];
  } catch {
    json = undefined;
  }
  seenErrors.push(...(json?.errors ?? []));
  return { status: res.status, headers: res.headers, text, json };
}

/** One GraphQL operation as `credential`, with the raw answer. */
async function op(
  server: TestServer,
  query: string,
  variables: Record<string, unknown> = {},
  credential: string | undefined = ADMIN,
  headers: Record<string, string> = {},
): Promise<Raw> {
  return post(server.url, JSON.stringify({ query, variables }), {
    ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    ...headers,
  });
}

const firstError = (r: Raw): GqlError | undefined => r.json?.errors?.[0];

/** Asserts `r` was refused before running with BAD_USER_INPUT (and `reason`, when given). */
function expectRefused(r: Raw, reason?: string): void {
  expect(r.json, r.text).toBeDefined();
  expect(r.json!.errors?.length, r.text).toBeGreaterThan(0);
  expect(firstError(r)?.extensions?.["code"], r.text).toBe("BAD_USER_INPUT");
  expect(r.json!.data ?? null).toBeNull();
  // Soft, so one wrong detail does not hide what the rest of the test checks.
  if (reason) expect.soft(firstError(r)?.extensions?.["reason"], r.text).toBe(reason);
  expect.soft(r.status, `HTTP status of ${r.text}`).toBe(400);
}

/** `games { realms { game { realms { … { id } } } } }`, exactly `depth` fields deep. */
function nested(depth: number): string {
  const path = ["games"];
  for (let i = 1; i < depth - 1; i++) path.push(i % 2 ? "realms" : "game");
  return `{ ${path.reduceRight((inner, field) => `${field} { ${inner} }`, "id")} }`;
}

/** The same shape as `nested(depth)`, one named fragment per level. */
function nestedFragments(depth: number): string {
  const path = ["games"];
  for (let i = 1; i < depth - 1; i++) path.push(i % 2 ? "realms" : "game");
  const fragments = path.slice(1).map((field, i) => {
    const on = path[i] === "realms" ? "Realm" : "Game";
    return `fragment L${i + 1} on ${on} { ${field} { ${i + 2 < path.length ? `...L${i + 2}` : "id"} } }`;
  });
  const top = path.length > 1 ? "...L1" : "id";
  return `query Deep { games { ${top} } } ${fragments.join(" ")}`;
}

/** The same shape as `nested(depth)`, each level inside an inline fragment. */
function nestedInline(depth: number): string {
  const path = ["games"];
  for (let i = 1; i < depth - 1; i++) path.push(i % 2 ? "realms" : "game");
  const body = path.reduceRight(
    (inner, field) => `${field} { ... on ${field === "realms" ? "Realm" : "Game"} { ${inner} } }`,
    "id",
  );
  return `{ ${body} }`;
}

/** `n` aliases of `events(first: <size>) { nodes { id } }` (or `last`): each costs 50 + 2 × size. */
const eventsAliases = (n: number, size: number, by: "first" | "last" = "first"): string =>
  `{ ${Array.from({ length: n }, (_, i) => `e${i}: events(${by}: ${size}) { nodes { id } }`).join(" ")} }`;

let s: TestServer;
/** The same server with tight limits. */
let tight: TestServer;
/** A server whose database was dropped under it (real Postgres only). */
let gone: TestServer | undefined;

beforeAll(async () => {
  [s, tight] = await Promise.all([startTestServer(), startTestServer({ MAX_QUERY_COST: "200", MAX_QUERY_DEPTH: "4" })]);
  // Something to nest through: a game with two realms, and one on the tight server.
  const g = await registerGame(s, ADMIN, "depth-game", { developerName: "Ops" });
  must(
    await s.gql(
      `mutation { createRealm(input: { name: "Second", realmType: "station", adjacency: "south", resonance: "cosmic" }) { id } }`,
      {},
      g.apiKey,
    ),
  );
  await registerGame(tight, ADMIN, "tight-game", { developerName: "Ops" });
});

afterAll(async () => {
  await Promise.all([s?.stop(), tight?.stop()]);
});

describe("query depth", () => {
  it("an operation exactly at MAX_QUERY_DEPTH (10) runs", async () => {
    const r = await op(s, nested(10));
    expect(r.status).toBe(200);
    expect(r.json?.errors).toBeUndefined();
    // It really went all the way down: games → realms → game → … → id.
    let node: unknown = (r.json?.data as { games: unknown[] }).games;
    for (const field of ["realms", "game", "realms", "game", "realms", "game", "realms", "game"]) {
      const list = Array.isArray(node) ? node : [node];
      expect(list.length, field).toBeGreaterThan(0);
      node = (list[0] as Record<string, unknown>)[field];
    }
    expect(node).toEqual({ id: "depth-game" });
  });

  it("one level deeper is refused before it runs: BAD_USER_INPUT, QUERY_TOO_DEEP", async () => {
    const r = await op(s, nested(11));
    expectRefused(r, "QUERY_TOO_DEEP");
    expect(firstError(r)?.message).toMatch(/11 levels deep; the limit is 10/);
    expectRefused(await op(s, nested(30)), "QUERY_TOO_DEEP");
  });

  it("named fragments are followed", async () => {
    const ok = await op(s, nestedFragments(10));
    expect(ok.json?.errors, ok.text).toBeUndefined();
    expect(ok.json?.data).toMatchObject({ games: [{ realms: expect.any(Array) }] });
    expectRefused(await op(s, nestedFragments(11)), "QUERY_TOO_DEEP");
  });

  it("inline fragments and a deep branch beside shallow ones are followed too", async () => {
    const ok = await op(s, nestedInline(10));
    expect(ok.json?.errors, ok.text).toBeUndefined();
    expectRefused(await op(s, nestedInline(11)), "QUERY_TOO_DEEP");
    const mixed = `{ universe { games } a: games { id } ${nested(11).slice(2, -2)} }`;
    expectRefused(await op(s, mixed), "QUERY_TOO_DEEP");
  });

  it("cyclic fragments are refused as invalid, not crashed on", async () => {
    const r = await op(
      s,
      `query { games { ...A } } fragment A on Game { realms { ...B } } fragment B on Realm { game { ...A } }`,
    );
    expectRefused(r, "GRAPHQL_VALIDATION_FAILED");
  });

  it("the standard introspection query still works", async () => {
    const r = await op(s, getIntrospectionQuery(), {}, undefined);
    expect(r.status).toBe(200);
    expect(r.json?.errors, r.text.slice(0, 500)).toBeUndefined();
    const types = (r.json?.data as { __schema: { types: { name: string }[] } }).__schema.types.map((t) => t.name);
    expect(types).toEqual(expect.arrayContaining(["Query", "Mutation", "Event", "EventConnection", "Int64"]));
  });

  it("introspection is not a way around the depth limit", async () => {
    // The depth rule skips `__schema`; Apollo's own introspection depth guard must still hold.
    const hop = (inner: string) => `fields { type { ofType { ${inner} } } }`;
    const bomb = `{ __schema { types { ${hop(hop(hop("fields { name }")))} } } }`;
    const r = await op(s, bomb, {}, undefined);
    expect(r.json?.data ?? null).toBeNull();
    expect(firstError(r)?.extensions?.["code"], r.text).toBe("BAD_USER_INPUT");
    expect(r.status).toBe(400);
  });

  it("MAX_QUERY_DEPTH is honoured", async () => {
    const ok = await op(tight, nested(4));
    expect(ok.json?.errors, ok.text).toBeUndefined();
    const r = await op(tight, nested(5));
    expectRefused(r, "QUERY_TOO_DEEP");
    expect(firstError(r)?.message).toMatch(/the limit is 4/);
    // The default server takes the same operation.
    expect((await op(s, nested(5))).json?.errors).toBeUndefined();
  });
});

describe("query cost", () => {
  it("over MAX_QUERY_COST (25000) is refused before it runs: BAD_USER_INPUT, QUERY_TOO_COMPLEX", async () => {
    // 26 × (50 + 2 × 500) = 27300.
    const r = await op(s, eventsAliases(26, 500));
    expectRefused(r, "QUERY_TOO_COMPLEX");
    expect(firstError(r)?.message).toMatch(/costs 27300, over the limit of 25000/);
  });

  it("a page read back (last) costs as much as one read forward", async () => {
    expectRefused(await op(s, eventsAliases(26, 500, "last")), "QUERY_TOO_COMPLEX");
    const r = await op(s, eventsAliases(23, 500, "last"));
    expect(r.json?.errors, r.text).toBeUndefined();
  });

  it("under the limit runs", async () => {
    // 23 × 1050 = 24150.
    const r = await op(s, eventsAliases(23, 500));
    expect(r.json?.errors, r.text).toBeUndefined();
    expect(Object.keys(r.json?.data as object)).toHaveLength(23);
  });

  it("page sizes given in variables count", async () => {
    const query = `query($n: Int!) { a: events(first: $n) { nodes { id } } b: events(first: $n) { nodes { id } }
      c: events(first: $n) { nodes { id } } d: events(first: $n) { nodes { id } } e: events(first: $n) { nodes { id } }
      f: events(first: $n) { nodes { id } } g: events(first: $n) { nodes { id } } h: events(first: $n) { nodes { id } }
      i: events(first: $n) { nodes { id } } j: events(first: $n) { nodes { id } } k: events(first: $n) { nodes { id } }
      l: events(first: $n) { nodes { id } } m: events(first: $n) { nodes { id } } n: events(first: $n) { nodes { id } }
      o: events(first: $n) { nodes { id } } p: events(first: $n) { nodes { id } } q: events(first: $n) { nodes { id } }
      r: events(first: $n) { nodes { id } } t: events(first: $n) { nodes { id } } u: events(first: $n) { nodes { id } }
      v: events(first: $n) { nodes { id } } w: events(first: $n) { nodes { id } } x: events(first: $n) { nodes { id } }
      y: events(first: $n) { nodes { id } } z: events(first: $n) { nodes { id } } zz: events(first: $n) { nodes { id } } }`;
    expectRefused(await op(s, query, { n: 500 }), "QUERY_TOO_COMPLEX");
    expect((await op(s, query, { n: 10 })).json?.errors).toBeUndefined();
  });

  it("a cost that variables decide is worked out for every call, not remembered from a cheaper one", async () => {
    // One document each, sent cheap first, then dear: page sizes, and a directive dropping fields.
    const pages = `query($n: Int!) { ${Array.from({ length: 26 }, (_, i) => `e${i}: events(first: $n) { nodes { id } }`).join(" ")} }`;
    expect((await op(s, pages, { n: 10 })).json?.errors).toBeUndefined();
    expectRefused(await op(s, pages, { n: 500 }), "QUERY_TOO_COMPLEX");
    const included = `query($all: Boolean!) { ${Array.from(
      { length: 26 },
      (_, i) => `e${i}: events(first: 500) @include(if: $all) { nodes { id } }`,
    ).join(" ")} }`;
    expect((await op(s, included, { all: false })).json?.errors).toBeUndefined();
    expectRefused(await op(s, included, { all: true }), "QUERY_TOO_COMPLEX");
  });

  it("a cost no variable changes is remembered per document: still refused the second time; bad variables still refused", async () => {
    for (let i = 0; i < 2; i++) expectRefused(await op(s, eventsAliases(26, 500)), "QUERY_TOO_COMPLEX");
    const game = `query($id: ID!) { game(id: $id) { id } }`;
    const ok = await op(s, game, { id: "depth-game" });
    expect(ok.json?.errors, ok.text).toBeUndefined();
    expectRefused(await op(s, game, {}));
    expectRefused(await op(s, game, { id: { not: "an id" } }));
  });

  it("an operation whose cost cannot be estimated is refused, never run uncosted", async () => {
    // Fragments spreading fragments: a short document that the estimate must walk 10^5 times,
    // past what graphql-query-complexity will walk (10,000 nodes), so it cannot cost it.
    const levels = Array.from({ length: 5 }, (_, i) => `fragment F${i} on Query { ${`...F${i + 1} `.repeat(10)}}`);
    const query = `query { ...F0 } ${levels.join(" ")} fragment F5 on Query { universe { games } }`;
    const r = await op(s, query);
    expectRefused(r);
    expect(firstError(r)?.message).toMatch(/maximum allowed number of nodes/);
    expect(r.json?.data ?? null).toBeNull();
  });

  it("MAX_QUERY_COST is honoured", async () => {
    // 50 + 2 × 80 = 210 > 200; 50 + 2 × 70 = 190.
    const over = await op(tight, `{ events(first: 80) { nodes { id } } }`);
    expectRefused(over, "QUERY_TOO_COMPLEX");
    expect(firstError(over)?.message).toMatch(/over the limit of 200\b/);
    expect((await op(tight, `{ events(first: 70) { nodes { id } } }`)).json?.errors).toBeUndefined();
    // The default server takes it.
    expect((await op(s, `{ events(first: 80) { nodes { id } } }`)).json?.errors).toBeUndefined();
  });

  it("a refused mutation does not run", async () => {
    const fields = "id seq type sourceGameId targetGameId broadcast recipientGameIds data delivery status tick";
    const mutation = `mutation { ${Array.from(
      { length: 20 }, // 20 × 12 = 240 > 200
      (_, i) => `p${i}: publishEvent(input: { type: "cost.probe", idempotencyKey: "cost-${i}" }) { ${fields} }`,
    ).join(" ")} }`;
    expectRefused(await op(tight, mutation), "QUERY_TOO_COMPLEX");
    expect(await tight.app.services.prisma.event.count()).toBe(0);
  });
});

describe("malformed requests", () => {
  it("a body that is not JSON: HTTP 400, BAD_USER_INPUT", async () => {
    const r = await post(s.url, `{"query": "{ games { id } }"`, { authorization: `Bearer ${ADMIN}` });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    expect(firstError(r)?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it("a GraphQL syntax error: BAD_USER_INPUT, GRAPHQL_PARSE_FAILED", async () => {
    expectRefused(await op(s, `{ games { id }`), "GRAPHQL_PARSE_FAILED");
    expectRefused(await op(s, `query {`), "GRAPHQL_PARSE_FAILED");
  });

  it("an unknown field: BAD_USER_INPUT, GRAPHQL_VALIDATION_FAILED", async () => {
    const r = await op(s, `{ games { id noSuchField } }`);
    expectRefused(r, "GRAPHQL_VALIDATION_FAILED");
    expect(firstError(r)?.message).toMatch(/noSuchField/);
  });

  it("a variable of the wrong type: BAD_USER_INPUT", async () => {
    expectRefused(await op(s, `query($f: Int) { events(first: $f) { nodes { id } } }`, { f: "ten" }));
    expectRefused(await op(s, `query($id: ID!) { game(id: $id) { id } }`, {}));
    expectRefused(
      await op(s, `mutation($i: PublishEventInput!) { publishEvent(input: $i) { id } }`, {
        i: { type: "x", delivery: "SOMETIMES" },
      }),
    );
  });

  it("no query at all, or a batch: BAD_USER_INPUT", async () => {
    expectRefused(await post(s.url, `{}`, { authorization: `Bearer ${ADMIN}` }));
    expectRefused(await post(s.url, `{"query": 42}`, { authorization: `Bearer ${ADMIN}` }));
    const batch = await post(s.url, JSON.stringify([{ query: "{ games { id } }" }, { query: "{ games { id } }" }]), {
      authorization: `Bearer ${ADMIN}`,
    });
    expect(batch.status).toBe(400);
    expect(firstError(batch)?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it("an oversized body: HTTP 413, BAD_USER_INPUT", async () => {
    const body = JSON.stringify({ query: "{ games { id } }", variables: { pad: "x".repeat(300 * 1024) } });
    const r = await post(s.url, body, { authorization: `Bearer ${ADMIN}` });
    expect(r.status).toBe(413);
    expect(firstError(r)?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it("a body in a charset JSON cannot be in: a 4xx with BAD_USER_INPUT, not an internal error", async () => {
    const r = await post(s.url, JSON.stringify({ query: "{ games { id } }" }), {
      "content-type": "application/json; charset=klingon",
      authorization: `Bearer ${ADMIN}`,
    });
    expect(r.status, r.text).toBeGreaterThanOrEqual(400);
    expect(r.status, r.text).toBeLessThan(500);
    expect(firstError(r)?.extensions?.["code"], r.text).toBe("BAD_USER_INPUT");
  });

  it("a body that is not JSON by content type: a 4xx with BAD_USER_INPUT, never a bare 500", async () => {
    const r = await post(s.url, JSON.stringify({ query: "{ games { id } }" }), {
      "content-type": "text/plain",
      authorization: `Bearer ${ADMIN}`,
    });
    expect(r.status, r.text).toBeGreaterThanOrEqual(400);
    expect(r.status, r.text).toBeLessThan(500);
    expect(firstError(r)?.extensions?.["code"], r.text).toBe("BAD_USER_INPUT");
  });

  it("a malformed Authorization header: UNAUTHENTICATED with HTTP 401", async () => {
    const r = await post(s.url, JSON.stringify({ query: "{ games { id } }" }), { authorization: "Basic abc" });
    expect(r.status).toBe(401);
    expect(firstError(r)?.extensions?.["code"]).toBe("UNAUTHENTICATED");
  });
});

describe("masking unexpected errors", () => {
  // A server whose database is dropped under it: every query then fails in a way no resolver
  // expects. Embedded PGlite cannot be taken away from outside the process.
  let gameKey: string;
  beforeAll(async () => {
    if (!onRealPostgres()) return;
    gone = await startTestServer();
    gameKey = (await registerGame(gone, ADMIN, "doomed-game", { developerName: "Ops" })).apiKey;
    await gone.db.drop();
  });
  afterAll(() => gone?.stop());

  /** Asserts `r` is the masked error, and the server logged it (where it was thrown, no stack) under the same id. */
  function expectMasked(r: Raw, server: TestServer, requestId?: string): void {
    const header = r.headers.get("x-request-id");
    expect(header).toBeTruthy();
    if (requestId) expect(header).toBe(requestId);
    expect(r.json?.errors, r.text).toHaveLength(1);
    expect(firstError(r)).toEqual({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR", requestId: header },
    });
    // Nothing of the cause reaches the client.
    expect(r.text).not.toMatch(/stack|stacktrace|exception|prisma|postgres|at .*\.ts:\d+|multiverse_test/i);
    const logged = server.logs.filter((l) => l["requestId"] === header && l["level"] === 50);
    expect(logged, JSON.stringify(server.logs.filter((l) => l["requestId"] === header))).not.toEqual([]);
    // The log says what failed and where, in one line: not the stack.
    const err = logged[0]!["err"] as { message?: string; at?: string; stack?: string } | undefined;
    expect(err?.message).toEqual(expect.any(String));
    expect(err?.at).toMatch(/:\d+:\d+\)?$/);
    expect(err?.stack).toBeUndefined();
  }

  it.skipIf(!onRealPostgres())("a failing resolver answers the masked error with the request id", async () => {
    const r = await op(gone!, `{ universe { games events } }`, {}, ADMIN, { "x-request-id": "mask-probe-1" });
    expectMasked(r, gone!, "mask-probe-1");
  });

  it.skipIf(!onRealPostgres())("a failing mutation is masked the same way", async () => {
    const r = await op(gone!, `mutation { createDeveloper(input: { name: "Nobody" }) { key } }`);
    expectMasked(r, gone!);
  });

  it.skipIf(!onRealPostgres())("a failure while authenticating (credential lookup) is masked and logged", async () => {
    const r = await op(gone!, `{ games { id } }`, {}, gameKey, { "x-request-id": "mask-probe-auth" });
    expectMasked(r, gone!, "mask-probe-auth");
  });

  it.skipIf(!onRealPostgres())("expected errors are not logged as unexpected", async () => {
    const r = await op(s, `{ game(id: "no-such-game") { id } }`, {}, ADMIN, { "x-request-id": "expected-probe" });
    expect(firstError(r)?.extensions).toEqual({ code: "NOT_FOUND" });
    expect(s.logs.filter((l) => l["requestId"] === "expected-probe" && l["level"] === 50)).toEqual([]);
  });
});

describe("secrets never reach the logs", () => {
  it("no log line holds the admin token, the JWT secret, an API key, a developer key or a player token", async () => {
    const secrets: string[] = [ADMIN, TEST_JWT_SECRET];
    const dev = await createDeveloper(s, "Secret Keeper");
    secrets.push(dev.key);
    const game = await registerGame(s, dev.key, "secret-game");
    secrets.push(game.apiKey);
    const playerId = await upsertPlayer(s, game.apiKey, "spy");
    const token = await issuePlayerToken(s, game.apiKey, playerId);
    secrets.push(token);

    // Use every credential, successfully and not.
    for (const credential of [ADMIN, dev.key, game.apiKey, token]) {
      expect((await op(s, `{ games { id } }`, {}, credential)).json?.errors).toBeUndefined();
      await op(s, `{ games { id nope } }`, {}, credential);
      await op(s, `{ game(id: "no-such-game") { id } }`, {}, credential);
      await op(s, nested(12), {}, credential);
      await post(s.url, `{"query": "{ games`, { authorization: `Bearer ${credential}` });
      await post(s.url, JSON.stringify({ query: "{ games { id } }" }), {
        authorization: `Bearer ${credential}`,
        "content-type": "application/json; charset=klingon",
      });
      // The credential as a value (also one of the wrong type), and in a malformed header.
      await op(s, `query($id: ID!) { game(id: $id) { id } }`, { id: credential }, credential);
      await op(s, `query($f: Int) { events(first: $f) { nodes { id } } }`, { f: credential }, credential);
      await op(s, `{ games { id } }`, {}, undefined, { authorization: `Token ${credential}` });
      await op(s, `{ games { id } }`, {}, `${credential}x`);
    }
    await op(
      s,
      `mutation { publishEvent(input: { type: "leak.probe", data: { nul: "\\u0000" } }) { id } }`,
      {},
      game.apiKey,
    );
    const gotToken = JSON.parse(
      (await op(s, `mutation($id: ID!) { issuePlayerToken(playerId: $id) { token } }`, { id: playerId }, game.apiKey))
        .text,
    ) as { data: { issuePlayerToken: { token: string } } };
    secrets.push(gotToken.data.issuePlayerToken.token);

    // The logs saw those requests (so the check below is not vacuous) ...
    const principals = new Set(s.logs.filter((l) => l["msg"] === "graphql").map((l) => l["principal"]));
    expect([...principals]).toEqual(expect.arrayContaining(["admin", "developer", "game", "player"]));
    // ... and hold none of the secrets, nor the random part of any key or the signature of any token.
    const parts = secrets.flatMap((x) => [x, x.replace(/^mv[dg]_/, ""), x.split(".").at(-1)!]);
    for (const server of [s, tight, ...(gone ? [gone] : [])]) {
      for (const line of server.rawLogs) {
        for (const secret of parts) expect(line.includes(secret), `a log line holds a secret: ${line}`).toBe(false);
      }
    }
  });
});

describe("error codes", () => {
  it("every error answered in this file has a code from the fixed set, and no stack", () => {
    expect(seenErrors.length).toBeGreaterThan(20);
    for (const e of seenErrors) {
      expect(ERROR_CODES, JSON.stringify(e)).toContain(e.extensions?.["code"]);
      expect(JSON.stringify(e)).not.toMatch(/stacktrace|"stack"|exception/i);
    }
  });
});
