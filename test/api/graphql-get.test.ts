// GET /graphql: a browser is sent to the bundled GraphiQL, a program gets the answer the
// GraphQL-over-HTTP spec asks for (a query runs, a mutation is a 405, a missing query a 400),
// behind Apollo's CSRF protection (docs/api.md: GET needs `apollo-require-preflight`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAdminConsoleBuilt } from "../support/process.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/** What Chromium and Firefox send when the user opens a URL. */
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

describe("GET /graphql", () => {
  let s: TestServer;
  const get = (search: string, accept: string | undefined, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/graphql${search}`, { redirect: "manual", headers: { ...headers, ...(accept ? { accept } : {}) } });
  const PREFLIGHT = { "apollo-require-preflight": "true" };

  beforeAll(async () => {
    ensureAdminConsoleBuilt();
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("sends a browser to the bundled GraphiQL, with or without a query in the URL", async () => {
    for (const [search, accept] of [
      ["", BROWSER_ACCEPT],
      ["", "text/html"],
      ["?query=%7B__typename%7D", BROWSER_ACCEPT],
    ] as const) {
      const res = await get(search, accept);
      expect(res.status, `${search} ${accept}`).toBe(302);
      expect(res.headers.get("location")).toBe("/admin/graphiql");
    }
    const page = await fetch(`${s.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.url).toBe(`${s.url}/admin/graphiql`);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<div id="root">/);
  });

  it("answers a program's GET as GraphQL over HTTP says", async () => {
    // curl's default (*/*), no Accept at all, and either JSON type: the query runs.
    for (const accept of ["*/*", undefined, "application/json", "application/graphql-response+json"]) {
      const res = await get("?query=%7B__typename%7D", accept, PREFLIGHT);
      expect(res.status, String(accept)).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/(graphql-response\+)?json/);
      expect(await res.json()).toEqual({ data: { __typename: "Query" } });
    }
    // No query: a 400 in JSON, not a page.
    const missing = await get("", "application/json", PREFLIGHT);
    expect(missing.status).toBe(400);
    expect(missing.headers.get("content-type")).toMatch(/^application\/json/);
    // Without the preflight header (what a cross-site form could send): a 400 saying so, nothing run.
    const unguarded = await get("?query=%7B__typename%7D", "*/*");
    expect(unguarded.status).toBe(400);
    expect(await unguarded.text()).toMatch(/apollo-require-preflight/);
    // A mutation over GET is refused (it must not change anything), and nothing is created.
    const mutation = await get(
      `?query=${encodeURIComponent('mutation { createDeveloper(input: { name: "x" }) { key } }')}`,
      "*/*",
      PREFLIGHT,
    );
    expect(mutation.status).toBe(405);
    expect(await mutation.text()).toMatch(/GET requests only support query operations/i);
  });
});
