// Input that is the caller's fault answers as such, never INTERNAL_SERVER_ERROR (issue 12,
// item 8): here a player token signed with the right secret whose subject is not a player id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlayerTokens } from "../../server/src/platform/auth/player-tokens.ts";
import { startTestServer, TEST_JWT_SECRET, type TestServer } from "../support/server.ts";
import { connectWs } from "../support/ws.ts";

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

  it("is refused as UNAUTHENTICATED over HTTP (401), like any invalid token", async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "{ games { id } }" }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("UNAUTHENTICATED");
    expect(body.errors?.[0]?.message).toMatch(/player token is invalid or expired/);
  });

  it("closes a WebSocket with 4403 and the same reason", async () => {
    const c = connectWs(s.url, token);
    const closed = await c.closed;
    expect(closed).toEqual({ code: 4403, reason: expect.stringMatching(/player token is invalid or expired/) });
  });
});
