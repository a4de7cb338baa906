// A WebSocket that closes while the server is still connecting it (authenticating the credential
// in connection_init) must leave nothing behind: graphql-ws runs `onDisconnect` only for
// acknowledged connections, so the server gives back what a connection holds on `onClose`, and
// a session closed while its `open` was under way is undone when `open` resumes. Here the
// player-token check is held at a gate, so the close lands exactly mid-connect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { issuePlayerToken, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { metricValue } from "../support/metrics.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { connectWs } from "../support/ws.ts";
import { deferred, waitUntil } from "../support/wait.ts";

const CONNECTIONS = "multiverse_websocket_connections_active";
const ONLINE = `query($g: ID!) { players(gameId: $g, online: true) { id } }`;

describe("a WebSocket closed while it is being connected", () => {
  let s: TestServer;
  let gameId: string;
  let apiKey: string;

  beforeAll(async () => {
    s = await startTestServer();
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "half-open", { developerName: "Half Open" });
    gameId = g.id;
    apiKey = g.apiKey;
  });
  afterAll(async () => {
    await s?.stop();
  });

  const onlineIds = async () =>
    must(await s.gql<{ players: { id: string }[] }>(ONLINE, { g: gameId }, apiKey)).players.map((p) => p.id);

  it("leaves its player offline, the credential watch empty and the connections gauge where it was", async () => {
    const playerId = await upsertPlayer(s, apiKey, "half");
    const token = await issuePlayerToken(s, apiKey, playerId);
    const before = await metricValue(s.url, CONNECTIONS);

    // The server's token check waits at a gate: the connection is mid-connect until it opens.
    const tokens = s.app.services.playerTokens;
    const verify = tokens.verify.bind(tokens);
    const checking = deferred();
    const gate = deferred();
    tokens.verify = async (t) => {
      checking.resolve();
      await gate.promise;
      return verify(t);
    };
    try {
      const socket = new WebSocket(`${s.url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      await new Promise<void>((resolve, reject) => socket.once("open", resolve).once("error", reject));
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
      await checking.promise;
      socket.close(1000, "leaving mid-connect");
      await closed;
    } finally {
      tokens.verify = verify;
      gate.resolve();
    }

    // A connection that completes brings the player online; once it closes, the player must be
    // offline again and the gauge back where it was: the half-open one held nothing.
    const full = connectWs(s.url, token);
    await full.connected;
    await waitUntil("the player to be online", async () => (await onlineIds()).includes(playerId));
    await full.dispose();
    await waitUntil("the player to go offline", async () => !(await onlineIds()).includes(playerId));
    await waitUntil("the connections gauge to return", async () => (await metricValue(s.url, CONNECTIONS)) === before);
    expect(await onlineIds()).not.toContain(playerId);
  });
});
