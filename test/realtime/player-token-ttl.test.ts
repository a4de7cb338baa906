// PLAYER_TOKEN_TTL_SECONDS as the server applies it (docs/auth.md, "Player tokens"): a token from
// `issuePlayerToken` expires that long after it was issued (`expiresAt` and the JWT's `exp`
// agree, `exp` = `iat` + the setting), works until then, and is refused afterwards: over HTTP
// with 401 UNAUTHENTICATED, and a WebSocket opened with it is closed with 4011 at `expiresAt`.
// The setting's floor is 30 s, so this file takes about 35 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode } from "../support/graphql.ts";
import { must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { wsClients } from "../support/ws.ts";
import { within } from "../support/wait.ts";

const TTL_SECONDS = 30;

/** The claims of a JWT (not verified: the server did that). */
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as { iat: number; exp: number };

describe("PLAYER_TOKEN_TTL_SECONDS", () => {
  let s: TestServer;
  const pool = wsClients(() => s.url);

  beforeAll(async () => {
    s = await startTestServer({ PLAYER_TOKEN_TTL_SECONDS: String(TTL_SECONDS) });
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it(
    "issuePlayerToken's token expires PLAYER_TOKEN_TTL_SECONDS after issue; then HTTP refuses it and its WebSocket ends with 4011",
    async () => {
      const g = await registerGame(s, TEST_ADMIN_TOKEN, "ttl-game", { developerName: "TTL Dev" });
      const player = await upsertPlayer(s, g.apiKey, "ttl-player");

      const asked = Date.now();
      const { token, expiresAt } = must(
        await s.gql<{ issuePlayerToken: { token: string; expiresAt: string } }>(
          `mutation($id: ID!) { issuePlayerToken(playerId: $id) { token expiresAt } }`,
          { id: player },
          g.apiKey,
        ),
      ).issuePlayerToken;
      const answered = Date.now();
      const expiry = new Date(expiresAt).getTime();
      // `iat` is in whole seconds, taken while the request ran.
      expect(expiry).toBeGreaterThanOrEqual(Math.floor(asked / 1000) * 1000 + TTL_SECONDS * 1000);
      expect(expiry).toBeLessThanOrEqual(answered + TTL_SECONDS * 1000);
      const { iat, exp } = claimsOf(token);
      expect(exp - iat).toBe(TTL_SECONDS);
      expect(exp * 1000).toBe(expiry);

      // Valid until then, over HTTP and WebSocket.
      const eventLog = () => s.gql(`{ eventLog { lastSeq } }`, {}, token);
      must(await eventLog());
      const c = await pool.connect(token);

      const closed = await within(c.closed, (TTL_SECONDS + 10) * 1000, () => "the token's connection to end");
      expect(closed).toEqual({ code: 4011, reason: "The player token expired: reconnect with a new one" });
      expect(Date.now()).toBeGreaterThanOrEqual(expiry);
      const refused = await eventLog();
      expect(refused.status).toBe(401);
      expect(errorCode(refused)).toBe("UNAUTHENTICATED");
    },
    (TTL_SECONDS + 30) * 1000,
  );
});
