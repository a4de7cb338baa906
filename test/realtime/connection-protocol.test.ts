// The WebSocket connection protocol of docs/realtime.md ("Connecting", "Close codes", "How errors
// arrive") as a raw client sees it: the init window (4408), the old subscriptions-transport-ws
// subprotocol (4406), the keep-alive that drops a client that stops answering pings, the
// `{ token }` form of connectionParams and its precedence, a negative `since`, and a document
// too deep refused on its own subscription while the connection carries on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { loadConfig } from "../../server/src/platform/config/env.ts";
import { seedWorld, type World } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { connectWs, subscribe, type Closed, type TestWsClient } from "../support/ws.ts";
import { deferred, within } from "../support/wait.ts";

/** The server pings every second here, so a client that does not answer is dropped within ~2 s. */
const KEEPALIVE_SECONDS = 1;

interface Message {
  id?: string;
  type: string;
  payload?: unknown;
}

/** A WebSocket speaking graphql-transport-ws by hand: nothing is sent or answered unless asked. */
interface RawClient {
  socket: WebSocket;
  opened: Promise<void>;
  closed: Promise<Closed>;
  /** Pings received from the server so far. */
  pings(): number;
  /** Resolves when `n` pings in total have arrived. */
  pinged(n: number): Promise<void>;
  send(message: Message): void;
  /** The next message (after those already taken) that `match` accepts. */
  next(match: (m: Message) => boolean): Promise<Message>;
}

function rawClient(baseUrl: string, protocols: string | string[], options: { autoPong?: boolean } = {}): RawClient {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/graphql`, protocols, options);
  const opened = deferred();
  const closed = deferred<Closed>();
  const inbox: Message[] = [];
  const waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  const pingWaiters: { n: number; resolve: () => void }[] = [];
  let pings = 0;
  socket.on("open", () => opened.resolve());
  // The handshake can fail (the 1006 a client used to get for an unsupported subprotocol).
  socket.on("error", () => undefined);
  socket.on("close", (code, reason) => closed.resolve({ code, reason: reason.toString() }));
  socket.on("ping", () => {
    pings++;
    for (const w of pingWaiters.filter((w) => pings >= w.n)) w.resolve();
  });
  socket.on("message", (data) => {
    const m = JSON.parse(String(data)) as Message;
    const i = waiters.findIndex((w) => w.match(m));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else inbox.push(m);
  });
  return {
    socket,
    opened: opened.promise,
    closed: closed.promise,
    pings: () => pings,
    pinged: (n) => (pings >= n ? Promise.resolve() : new Promise((resolve) => pingWaiters.push({ n, resolve }))),
    send: (m) => socket.send(JSON.stringify(m)),
    next(match) {
      const i = inbox.findIndex(match);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

/** Opens a raw graphql-transport-ws client signed in as `credential` and waits for the ack. */
async function rawSignedIn(baseUrl: string, credential: string, options: { autoPong?: boolean } = {}) {
  const c = rawClient(baseUrl, "graphql-transport-ws", options);
  await c.opened;
  c.send({ type: "connection_init", payload: { authorization: `Bearer ${credential}` } });
  await c.next((m) => m.type === "connection_ack");
  return c;
}

/** `subscription { roomOccupants { occupants { room { realm { rooms { realm { … } } } } } } }`, deeper than 10. */
function tooDeep(): string {
  let selection = "id";
  for (let i = 0; i < 6; i++) selection = `rooms { realm { ${selection} } }`;
  return `subscription { roomOccupants(roomId: "00000000-0000-4000-8000-000000000000") { occupants { room { realm { ${selection} } } } } }`;
}

describe("the WebSocket connection protocol", () => {
  let s: TestServer;
  let w: World;
  const raws: RawClient[] = [];
  const clients: TestWsClient[] = [];
  const raw = (...args: Parameters<typeof rawClient>) => {
    const c = rawClient(...args);
    raws.push(c);
    return c;
  };
  const ws = (credential: string | undefined, connectionParams?: Record<string, unknown>) => {
    const c = connectWs(s.url, credential, connectionParams ? { connectionParams } : {});
    clients.push(c);
    return c;
  };
  /** Waits for the server's ack; fails at once (with the close) if the connection is refused instead. */
  const acked = (c: TestWsClient) =>
    Promise.race([
      c.connected,
      c.closed.then((x) => {
        throw new Error(`closed ${x.code}: ${x.reason}`);
      }),
    ]);
  /** The game ids of the players the connection's principal sees by default (its own game's). */
  const playersSeenBy = async (c: TestWsClient) => {
    const [answer] = await subscribe<{ players: { gameId: string }[] }>(c, `{ players { gameId } }`).received(1);
    return [...new Set(answer!.players.map((p) => p.gameId))];
  };

  beforeAll(async () => {
    s = await startTestServer({ WEBSOCKET_KEEPALIVE_SECONDS: String(KEEPALIVE_SECONDS) });
    w = await seedWorld(s);
  });
  afterAll(async () => {
    for (const c of raws) c.socket.terminate();
    await Promise.all(clients.map((c) => c.dispose()));
    await s?.stop();
  });

  it("closes a connection that sends no connection_init within 3 s with 4408", async () => {
    const c = raw(s.url, "graphql-transport-ws");
    await c.opened;
    const openedAt = Date.now();
    const closed = await within(c.closed, 5_000, () => "the server to close a silent connection");
    expect(closed).toEqual({ code: 4408, reason: "Connection initialisation timeout" });
    // The window is 3 s from the server's side; the client saw the socket open a little later.
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(2_900);
  });

  it("closes a client offering only the old subscriptions-transport-ws subprotocol with 4406", async () => {
    const c = raw(s.url, "graphql-ws");
    const closed = await within(c.closed, 5_000, () => "the server to refuse the graphql-ws subprotocol");
    expect(closed).toEqual({ code: 4406, reason: "Subprotocol not acceptable" });
    // Offering both, the client gets graphql-transport-ws.
    const both = raw(s.url, ["graphql-ws", "graphql-transport-ws"]);
    await both.opened;
    expect(both.socket.protocol).toBe("graphql-transport-ws");
  });

  it("drops a client that stops answering pings, and keeps one that answers", async () => {
    const quiet = raw(s.url, "graphql-transport-ws", { autoPong: false });
    await quiet.opened;
    quiet.send({ type: "connection_init", payload: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    await quiet.next((m) => m.type === "connection_ack");
    const answering = await rawSignedIn(s.url, TEST_ADMIN_TOKEN);
    raws.push(answering);

    // Pinged once, no pong within the keep-alive: the server terminates the socket (no close frame).
    const closed = await within(quiet.closed, 4_000 * KEEPALIVE_SECONDS, () => "the server to drop the silent client");
    expect(closed.code).toBe(1006);
    expect(quiet.pings()).toBeGreaterThanOrEqual(1);
    // The client that answers outlives three pings, longer than the silent one lasted.
    await within(answering.pinged(3), 6_000 * KEEPALIVE_SECONDS, () => `three pings (got ${answering.pings()})`);
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
  });

  it("WEBSOCKET_KEEPALIVE_SECONDS defaults to 15 and takes whole seconds from 1 to 300", () => {
    expect(loadConfig({}).websocketKeepAliveSeconds).toBe(15);
    expect(loadConfig({ WEBSOCKET_KEEPALIVE_SECONDS: "300" }).websocketKeepAliveSeconds).toBe(300);
    for (const bad of ["0", "301", "1.5", "soon"]) {
      expect(() => loadConfig({ WEBSOCKET_KEEPALIVE_SECONDS: bad })).toThrow(/WEBSOCKET_KEEPALIVE_SECONDS/);
    }
  });

  it("accepts the credential as connectionParams { token }", async () => {
    const c = ws(undefined, { token: w.gameA.apiKey });
    await acked(c);
    expect(await playersSeenBy(c)).toEqual(["game-a"]);
  });

  it("takes authorization over token when connectionParams has both", async () => {
    const both = ws(undefined, { authorization: `Bearer ${w.gameB.apiKey}`, token: w.gameA.apiKey });
    await acked(both);
    expect(await playersSeenBy(both)).toEqual(["game-b"]);
    // A bad authorization is refused even with a good token beside it: the token is not a fallback.
    const bad = ws(undefined, { authorization: "Bearer mvg_not-a-key", token: w.gameA.apiKey });
    expect(await bad.closed).toEqual({
      code: 4403,
      reason: "The credential is not valid (revoked, mistyped or of an unregistered game)",
    });
  });

  it("refuses a negative since with BAD_USER_INPUT on field since", async () => {
    const c = ws(TEST_ADMIN_TOKEN);
    await c.connected;
    const errors = await subscribe(c, `subscription($since: Int64) { events(since: $since) { seq } }`, {
      since: "-1",
    }).errored;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: "since must be 0 or a seq you received",
      extensions: { code: "BAD_USER_INPUT", field: "since" },
    });
  });

  it("refuses a document nested too deep with an error message (QUERY_TOO_DEEP), and the connection carries on", async () => {
    const c = await rawSignedIn(s.url, TEST_ADMIN_TOKEN);
    raws.push(c);
    c.send({ id: "deep", type: "subscribe", payload: { query: tooDeep() } });
    const refused = await c.next((m) => m.id === "deep");
    expect(refused.type).toBe("error");
    const errors = refused.payload as { extensions?: Record<string, unknown> }[];
    expect(errors[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "QUERY_TOO_DEEP" });
    // The same connection still runs operations.
    c.send({ id: "after", type: "subscribe", payload: { query: "{ eventLog { lastSeq } }" } });
    const answer = await c.next((m) => m.id === "after");
    expect(answer).toMatchObject({ type: "next", payload: { data: { eventLog: {} } } });
    await c.next((m) => m.id === "after" && m.type === "complete");
    expect(c.socket.readyState).toBe(WebSocket.OPEN);
  });
});
