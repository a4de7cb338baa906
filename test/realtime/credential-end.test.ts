// Live WebSocket connections end with 4011 when their credential stops being valid while they
// are open: a player token at its expiry, a game's API key or a developer key when it is rotated,
// and the game's key and player tokens when the game is unregistered. Other connections carry on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlayerTokens } from "../../server/src/platform/auth/player-tokens.ts";
import { createDeveloper, issuePlayerToken, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, TEST_JWT_SECRET, type TestServer } from "../support/server.ts";
import { connectWs, subscribe, wsClients, type TestWsClient } from "../support/ws.ts";
import { waitUntil } from "../support/wait.ts";

const DEV = { developerName: "Credential Dev" };
const EVENTS = `subscription($since: Int64) { events(since: $since) { seq type } }`;

describe("credentials that end while connected", () => {
  let s: TestServer;
  const pool = wsClients(() => s.url);
  const ws = pool.connect;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  /** A connection, and the player it is of (a player sees only what is sent to it or its room). */
  type Live = TestWsClient | { ws: TestWsClient; playerId: string };

  /**
   * Publishes a broadcast (and, for each player's connection, an event to that player) and
   * checks that each of `clients` still receives it: they are open and subscribed. Replayed from
   * the log's end read first, so no subscription can miss it.
   */
  async function stillLive(clients: Live[], publisherKey: string, type: string): Promise<void> {
    const { eventLog } = must(
      await s.gql<{ eventLog: { lastSeq: string } }>(`{ eventLog { lastSeq } }`, {}, TEST_ADMIN_TOKEN),
    );
    const subs = clients.map((c) =>
      subscribe<{ events: { type: string } }>("ws" in c ? c.ws : c, EVENTS, { since: eventLog.lastSeq }),
    );
    const publish = (input: Record<string, unknown>, key: string) =>
      s.gql(`mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`, { i: input }, key);
    must(await publish({ type }, publisherKey));
    for (const c of clients) if ("ws" in c) must(await publish({ type, targetPlayerId: c.playerId }, TEST_ADMIN_TOKEN));
    for (const sub of subs) expect((await sub.received(1))[0]!.events.type).toBe(type);
  }

  it("rotating a game's key ends the connections holding it, and only those", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "rotated-game", DEV);
    const other = await registerGame(s, TEST_ADMIN_TOKEN, "bystander-game", DEV);
    const player = await upsertPlayer(s, g.apiKey, "rotated-player");
    const game = await ws(g.apiKey);
    const ofPlayer = await ws(await issuePlayerToken(s, g.apiKey, player));
    const bystander = await ws(other.apiKey);
    const admin = await ws(TEST_ADMIN_TOKEN);

    const rotated = must(
      await s.gql<{ rotateGameKey: { apiKey: string } }>(
        `mutation { rotateGameKey(id: "rotated-game") { apiKey } }`,
        {},
        TEST_ADMIN_TOKEN,
      ),
    ).rotateGameKey.apiKey;
    expect(await game.closed).toEqual({
      code: 4011,
      reason: "The game's API key was rotated: reconnect with the new key",
    });
    // The game's players keep their tokens; other games and the admin are untouched.
    await stillLive([{ ws: ofPlayer, playerId: player }, bystander, admin], other.apiKey, "after.rotation");
    // The old key is refused from now on; the new one connects.
    expect((await connectWs(s.url, g.apiKey).closed).code).toBe(4403);
    await ws(rotated);
  });

  it("unregistering a game ends its key's and its players' connections", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "leaving-game", DEV);
    const other = await registerGame(s, TEST_ADMIN_TOKEN, "staying-game", DEV);
    const token = await issuePlayerToken(s, g.apiKey, await upsertPlayer(s, g.apiKey, "leaving-player"));
    const stayingPlayer = await upsertPlayer(s, other.apiKey, "staying-player");
    const otherToken = await issuePlayerToken(s, other.apiKey, stayingPlayer);
    const game = await ws(g.apiKey);
    const ofPlayer = await ws(token);
    const otherPlayer = await ws(otherToken);

    must(await s.gql(`mutation { unregisterGame(id: "leaving-game") { status } }`, {}, TEST_ADMIN_TOKEN));
    const gone = { code: 4011, reason: "The game was unregistered" };
    expect(await game.closed).toEqual(gone);
    expect(await ofPlayer.closed).toEqual(gone);
    await stillLive([{ ws: otherPlayer, playerId: stayingPlayer }], other.apiKey, "after.unregister");
    expect((await connectWs(s.url, token).closed).code).toBe(4403);
  });

  it("rotating a developer key ends the connections holding it, and only those", async () => {
    const dev = await createDeveloper(s, "Rotating Dev");
    const other = await createDeveloper(s, "Steady Dev");
    const g = await registerGame(s, dev.key, "dev-rotated-game");
    const ofDev = await ws(dev.key);
    const ofOther = await ws(other.key);
    const ofGame = await ws(g.apiKey);
    const rotated = must(
      await s.gql<{ rotateDeveloperKey: { key: string } }>(`mutation { rotateDeveloperKey { key } }`, {}, dev.key),
    ).rotateDeveloperKey.key;
    expect(await ofDev.closed).toEqual({
      code: 4011,
      reason: "The developer key was rotated: reconnect with the new key",
    });
    // The developer's games keep their own keys; other developers are untouched.
    await stillLive([ofOther, ofGame], g.apiKey, "after.developer.rotation");
    expect((await connectWs(s.url, dev.key).closed).code).toBe(4403);
    await ws(rotated);
  });

  it("a player's connection ends when its token expires, and the player goes offline", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "expiry-game", DEV);
    const player = await upsertPlayer(s, g.apiKey, "expiring-player");
    // A token that lives 2 s (the server's own lifetime is at least 30 s), signed with its secret.
    const { token, expiresAt } = await new PlayerTokens(TEST_JWT_SECRET, 2).issue({
      playerId: player,
      gameId: g.id,
    });
    const c = await ws(token);
    const online = () =>
      s.gql<{ players: { id: string }[] }>(
        `{ players(gameId: "expiry-game", online: true) { id } }`,
        {},
        TEST_ADMIN_TOKEN,
      );
    expect(must(await online()).players.map((p) => p.id)).toEqual([player]);
    expect(await c.closed).toEqual({ code: 4011, reason: "The player token expired: reconnect with a new one" });
    // Not before the token's expiry (the timer may fire a little after it, never before).
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    await waitUntil("the player to be offline", async () => must(await online()).players.length === 0);
    // The expired token no longer connects.
    expect((await connectWs(s.url, token).closed).code).toBe(4403);
  });
});
