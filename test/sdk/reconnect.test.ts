// The SDK when the connection breaks: a network cut, a dead connection only pings notice, a
// server restart (1001), a slow consumer (4010), a credential that ends while connected (4011:
// renewed by a credential function, or refused on reconnect with 4403), and a
// server that never comes back. The server's endings (1001, 4010, 4011) run over both transports. Events must resume with nothing lost and nothing repeated.
import { createServer, type AddressInfo, type Socket } from "node:net";
import { print } from "graphql";
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { EventsDocument, type EventsSubscription } from "../../sdk/src/documents.ts";
import {
  createMultiverseClient,
  MultiverseError,
  type ConnectionStateChange,
  type MultiverseClient,
  type MultiverseClientOptions,
  type MultiverseEvent,
  type ResumableSubscription,
} from "../../sdk/src/index.ts";
import { createTestDatabase, onRealPostgres } from "../support/database.ts";
import { PlayerTokens } from "../../server/src/platform/auth/player-tokens.ts";
import {
  restartTestServer,
  startTestServer,
  TEST_ADMIN_TOKEN,
  TEST_JWT_SECRET,
  type TestServer,
} from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";
import { startTcpProxy as startPostgresProxy } from "../support/tcp-proxy.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

/** Both transports: the cases that end a connection run over each. */
const TRANSPORTS = ["websocket", "sse"] as const;
const realm = { name: "Board", realmType: "arena", adjacency: "core", resonance: "cosmic" };
/** Quick retries, so the tests do not wait on backoff. */
const retry = { minDelayMs: 20, maxDelayMs: 200 };

/** Collects a subscription's messages in the background. */
function collect<T>(sub: AsyncIterable<T>) {
  const values: T[] = [];
  let error: unknown;
  const done = (async () => {
    try {
      for await (const v of sub) values.push(v);
    } catch (err) {
      error = err;
    }
  })();
  return { values, done, error: () => error };
}

const seqs = (events: MultiverseEvent[]) => events.map((e) => e.seq!);

/** True when `list` is strictly consecutive seqs (no gap, no duplicate). */
const consecutive = (list: string[]) => list.every((q, i) => i === 0 || BigInt(q) === BigInt(list[i - 1]!) + 1n);

describe("SDK: reconnecting", () => {
  let servers: TestServer[] = [];
  let proxies: TcpProxy[] = [];
  let clients: MultiverseClient[] = [];

  const server = async (env: Record<string, string> = {}) => {
    const s = await startTestServer(env);
    servers.push(s);
    return s;
  };
  const proxy = async (s: TestServer) => {
    const p = await startTcpProxy(s.url);
    proxies.push(p);
    return p;
  };
  const client = (options: MultiverseClientOptions) => {
    const c = createMultiverseClient({ retry, ...options });
    clients.push(c);
    return c;
  };
  /** Every state change of `c`, as they happen. */
  const track = (c: MultiverseClient) => {
    const changes: ConnectionStateChange[] = [];
    c.connection.onChange((change) => changes.push(change));
    return changes;
  };
  const publisher = (s: TestServer) => client({ url: s.url, adminToken: TEST_ADMIN_TOKEN });
  /** `n` events from `c`: broadcasts, or to one player (`to`), who sees only what is sent to it. */
  const publish = async (c: MultiverseClient, n: number, tag: string, to?: string) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      out.push((await c.publishEvent({ type: "step", data: { tag, i }, ...(to ? { targetPlayerId: to } : {}) })).seq!);
    }
    return out;
  };

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(servers.map((s) => s.stop()));
    clients = [];
    proxies = [];
    servers = [];
  });

  it("resumes events after a network cut: what was published meanwhile arrives, once, in order", async () => {
    const s = await server();
    const p = await proxy(s);
    const direct = publisher(s);
    const watcher = client({ url: p.url, adminToken: TEST_ADMIN_TOKEN });
    const changes = track(watcher);
    const events = watcher.events();
    const got = collect(events);
    await events.ready;

    const before = await publish(direct, 3, "before");
    await waitUntil("the first events", () => got.values.length === 3);
    p.cut();
    await waitUntil("reconnecting", () => watcher.connection.state === "reconnecting");
    const during = await publish(direct, 4, "during"); // the watcher cannot see these live
    await waitUntil("a few failed attempts", () => p.accepted() >= 3);
    p.restore();
    await waitUntil("connected again", () => watcher.connection.state === "connected");
    const after = await publish(direct, 2, "after");
    await waitUntil("every event", () => got.values.length >= 9);

    expect(seqs(got.values)).toEqual([...before, ...during, ...after]);
    expect(consecutive(seqs(got.values))).toBe(true);
    expect(got.values.map((e) => (e.data as { tag: string }).tag)).toEqual([
      ...Array(3).fill("before"),
      ...Array(4).fill("during"),
      ...Array(2).fill("after"),
    ]);
    expect(changes.map((c) => c.state)).toEqual(["connecting", "connected", "reconnecting", "connected"]);
    expect(changes[2]!.closeCode).toBe(1006); // dropped without a close frame
    events.stop();
  });

  it("an events stream that received nothing yet still resumes from where it started", async () => {
    const s = await server();
    const p = await proxy(s);
    const direct = publisher(s);
    const watcher = client({ url: p.url, adminToken: TEST_ADMIN_TOKEN });
    const events = watcher.events();
    const got = collect(events);
    await events.ready;
    await waitUntil("connected", () => watcher.connection.state === "connected");
    p.cut();
    await waitUntil("reconnecting", () => watcher.connection.state === "reconnecting");
    const during = await publish(direct, 2, "during");
    p.restore();
    await waitUntil("both events", () => got.values.length >= 2);
    expect(seqs(got.values)).toEqual(during);
  });

  it("subscribe (how the console runs urql's subscriptions) resumes Events from the last seq, not the first `since`", async () => {
    const s = await server();
    const p = await proxy(s);
    const direct = publisher(s);
    const watcher = client({ url: p.url, adminToken: TEST_ADMIN_TOKEN });
    const [since, ...before] = await publish(direct, 3, "before");
    const events = watcher.subscribe<EventsSubscription>({
      query: print(EventsDocument),
      operationName: "Events",
      variables: { since },
    });
    const got = collect(events);
    await waitUntil("the events after since", () => got.values.length === 2);
    p.cut();
    await waitUntil("reconnecting", () => watcher.connection.state === "reconnecting");
    const during = await publish(direct, 2, "during");
    p.restore();
    await waitUntil("connected again", () => watcher.connection.state === "connected");
    const after = await publish(direct, 1, "after");
    await waitUntil("every event", () => got.values.length >= 5);
    expect(got.values.map((v) => v.events.seq)).toEqual([...before, ...during, ...after]);
    events.stop();
  });

  it("notices a dead connection by its unanswered pings, and resumes", async () => {
    const s = await server();
    const p = await proxy(s);
    const direct = publisher(s);
    const watcher = client({ url: p.url, adminToken: TEST_ADMIN_TOKEN, keepAliveMs: 100, pongTimeoutMs: 200 });
    const changes = track(watcher);
    const events = watcher.events();
    const got = collect(events);
    await events.ready;
    await waitUntil("connected", () => watcher.connection.state === "connected");
    p.blackhole(); // nothing closes: only the missing pong tells
    await waitUntil("reconnecting", () => watcher.connection.state === "reconnecting");
    const during = await publish(direct, 2, "during");
    p.restore();
    await waitUntil("both events", () => got.values.length >= 2);
    expect(seqs(got.values)).toEqual(during);
    expect(changes.find((c) => c.state === "reconnecting")?.closeCode).toBe(4499); // terminated by the client
  });

  it.for(TRANSPORTS)(
    "reconnects after the server restarts (1001) and resumes events without gap or duplicate (%s)",
    async (transport, ctx) => {
      if (!onRealPostgres()) ctx.skip(); // the restarted server needs the same database
      const s = await server();
      const watcher = client({ url: s.url, adminToken: TEST_ADMIN_TOKEN, transport });
      const changes = track(watcher);
      const events = watcher.events();
      const occupants = watcher.roomOccupants({
        roomId: (
          await watcher.createRoom({
            realmId: (await watcher.registerGame({ id: "restart-game", name: "R", developerName: "Ada", realm })).game
              .realms[0]!.id,
            name: "Lobby",
          })
        ).id,
      });
      const got = collect(events);
      const snapshots = collect(occupants);
      await events.ready;
      const before = await publish(publisher(s), 3, "before");
      await waitUntil("the first events", () => got.values.length === 3);
      // Its snapshot too: one still on its way when the server goes away is lost with the socket.
      await waitUntil("the first snapshot", () => snapshots.values.length === 1);

      const s2 = await restartTestServer(s);
      servers = servers.filter((x) => x !== s).concat(s2);
      const restarted = await publish(publisher(s2), 3, "restarted");
      await waitUntil("connected again", () => watcher.connection.state === "connected" && got.values.length >= 6);
      const after = await publish(publisher(s2), 2, "after");
      await waitUntil("every event", () => got.values.length >= 8);

      expect(seqs(got.values)).toEqual([...before, ...restarted, ...after]);
      expect(consecutive(seqs(got.values))).toBe(true);
      const lost = changes.find((c) => c.state === "reconnecting");
      expect(lost?.closeCode).toBe(1001);
      // roomOccupants came back too: a fresh snapshot after the reconnect.
      await waitUntil("a second snapshot", () => snapshots.values.length >= 2);
      expect(snapshots.values.every((u) => u.change === null)).toBe(true);
    },
  );

  it.for(TRANSPORTS)("resumes after the server closes a slow consumer (4010) (%s)", async (transport) => {
    // Small buffers and big events, so that once the proxy stops reading (and the kernel's TCP
    // buffers, tens of MB on loopback, are full) the server soon gives up on this client.
    const s = await server({
      MAX_SOCKET_BUFFER_BYTES: "65536",
      SUBSCRIPTION_BUFFER_SIZE: "10",
      MAX_EVENT_DATA_BYTES: "1048576",
    });
    const p = await proxy(s);
    const direct = publisher(s);
    const watcher = client({ url: p.url, adminToken: TEST_ADMIN_TOKEN, keepAliveMs: 0, transport });
    const changes = track(watcher);
    const events = watcher.events();
    const got = collect(events);
    await events.ready;
    const published = await publish(direct, 1, "probe");
    await waitUntil("the probe", () => got.values.length === 1);

    p.pauseDownstream();
    const slow = async () => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      return Number(/^multiverse_slow_consumer_disconnects_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? 0) > 0;
    };
    const blob = "x".repeat(250_000);
    while (!(await slow()) && published.length < 400) {
      const batch = await Promise.all(
        Array.from({ length: 4 }, (_, i) => direct.publishEvent({ type: "flood", data: { i, blob } })),
      );
      published.push(...batch.map((e) => e.seq!));
    }
    expect(await slow()).toBe(true);
    p.resumeDownstream();
    published.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    published.push(...(await publish(direct, 1, "after")));
    await waitUntil("every event", () => got.values.length >= published.length, 30_000);

    expect(seqs(got.values)).toEqual(published);
    expect(changes.find((c) => c.state === "reconnecting")?.closeCode).toBe(4010);
    expect(watcher.connection.state).toBe("connected");
  });

  it.for(TRANSPORTS)(
    "ends with UNAUTHENTICATED when its key is rotated: ended (4011), then refused (4403 is fatal) (%s)",
    async (transport) => {
      const s = await server();
      const admin = publisher(s);
      const { apiKey, game } = await admin.registerGame({ id: "revoked", name: "R", developerName: "Ada", realm });
      const room = await createMultiverseClient({ url: s.url, apiKey }).createRoom({
        realmId: game.realms[0]!.id,
        name: "L",
      });
      const watcher = client({ url: s.url, apiKey, transport });
      const changes = track(watcher);
      const sub = watcher.roomOccupants({ roomId: room.id });
      const got = collect(sub);
      await waitUntil("the snapshot", () => got.values.length === 1);
      await admin.rotateGameKey({ id: "revoked" }); // the server ends the connection holding the old key…
      await got.done; // …and the reconnect, with the same old key, is refused
      const err = got.error() as MultiverseError;
      expect(err).toBeInstanceOf(MultiverseError);
      expect(err).toMatchObject({ kind: "graphql", code: "UNAUTHENTICATED", closeCode: 4403 });
      expect(changes.find((c) => c.state === "reconnecting")?.closeCode).toBe(4011);
      expect(changes.at(-1)).toMatchObject({ state: "closed", closeCode: 4403 });
    },
  );

  it.for(TRANSPORTS)(
    "a player token that expires is renewed by the credential function; events resume without a gap (%s)",
    async (transport) => {
      const s = await server();
      const admin = publisher(s);
      const { apiKey, game } = await admin.registerGame({ id: "renewing", name: "R", developerName: "Ada", realm });
      const gameClient = client({ url: s.url, apiKey });
      const player = await gameClient.upsertPlayer({ externalId: "renewing-player", displayName: "Renewing" });
      // The first token lives 2 s (the server's own lifetime is at least 30 s); after it, the
      // function asks the game for a fresh one, as a game client would ask its game server.
      const short = await new PlayerTokens(TEST_JWT_SECRET, 2).issue({ playerId: player.id, gameId: game.id });
      let renewed = 0;
      const token = async () => {
        if (short.expiresAt.getTime() - Date.now() > 500) return short.token;
        renewed++;
        return (await gameClient.issuePlayerToken({ playerId: player.id })).token;
      };
      const watcher = client({ url: s.url, token, transport });
      const changes = track(watcher);
      const got = collect(watcher.events({}));
      await waitUntil("connected", () => watcher.connection.state === "connected");
      const published = await publish(admin, 3, "before", player.id);
      await waitUntil("the first events", () => got.values.length === 3);
      await waitUntil("the expiry to end the connection", () => changes.some((c) => c.closeCode === 4011), 10_000);
      published.push(...(await publish(admin, 3, "after", player.id)));
      await waitUntil("the events after the renewal", () => got.values.length >= 6);
      expect(seqs(got.values)).toEqual(published);
      expect(consecutive(seqs(got.values))).toBe(true);
      expect(renewed).toBeGreaterThan(0);
      expect(watcher.connection.state).toBe("connected");
    },
  );

  it("gives up with NETWORK_ERROR after `retry.attempts` failed reconnects", async () => {
    const s = await server();
    const p = await proxy(s);
    const watcher = client({
      url: p.url,
      adminToken: TEST_ADMIN_TOKEN,
      retry: { attempts: 3, minDelayMs: 10, maxDelayMs: 40 },
    });
    const sub = watcher.ticks();
    const got = collect(sub);
    await waitUntil("connected", () => watcher.connection.state === "connected");
    p.cut();
    await got.done;
    const err = got.error() as MultiverseError;
    expect(err).toMatchObject({ kind: "network", code: "NETWORK_ERROR", operation: "ticks" });
    expect(err.message).toMatch(/could not get it back in 3 attempts/);
    expect(watcher.connection.state).toBe("closed");
    // An events stream whose server is down from the start gives up the same way.
    const early = client({
      url: p.url,
      adminToken: TEST_ADMIN_TOKEN,
      retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 20 },
    });
    const stream: ResumableSubscription<MultiverseEvent> = early.events();
    await expect(stream.ready).rejects.toMatchObject({ code: "NETWORK_ERROR" });
    await expect(stream.next()).rejects.toMatchObject({ code: "NETWORK_ERROR" });
  });

  it.skipIf(!onRealPostgres())(
    "subscribes again when the server answers SERVICE_UNAVAILABLE (Postgres away), and resumes events once it is back",
    async () => {
      // The server reaches Postgres through a proxy this test cuts: the admin signs in without
      // Postgres, so the socket opens, and it is the subscription itself that is refused.
      const db = await createTestDatabase();
      const target = new URL(db.url!);
      const pgProxy = await startPostgresProxy(target.hostname, Number(target.port || 5432));
      const proxied = new URL(db.url!);
      proxied.hostname = "127.0.0.1";
      proxied.port = String(pgProxy.port);
      try {
        const s = await startTestServer({ DATABASE_URL: proxied.toString() }, { db });
        servers.push(s);
        const admin = publisher(s);
        const published = await publish(admin, 2, "before");
        await pgProxy.stop();
        // Counts the subscribe messages the client sends: a second one is a retry.
        let subscribes = 0;
        class CountingWebSocket extends WebSocket {
          override send(data: string, ...rest: unknown[]) {
            if (String(data).includes('"type":"subscribe"')) subscribes++;
            (super.send as (...a: unknown[]) => void)(data, ...rest);
          }
        }
        const watcher = client({ url: s.url, adminToken: TEST_ADMIN_TOKEN, webSocketImpl: CountingWebSocket });
        const got = collect(watcher.events({ since: "0" }));
        await waitUntil("a subscribe again after a refusal", () => subscribes >= 2 || got.error() !== undefined);
        expect(got.error()).toBeUndefined();
        await pgProxy.start();
        published.push(...(await publish(admin, 2, "after")));
        await waitUntil("every event", () => got.values.length >= 4 || got.error() !== undefined);
        expect(got.error()).toBeUndefined();
        expect(seqs(got.values)).toEqual(published);
      } finally {
        await pgProxy.stop();
      }
    },
  );

  it("close() resolves when the connection attempt it ends fails (graphql-ws's dispose rejects with that close)", async () => {
    // A server that takes the TCP connection and never answers the upgrade: the attempt is
    // under way when close() is called, and fails (1006) while close() waits for it.
    const held = new Set<Socket>();
    const silent = createServer((socket) => {
      held.add(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const c = client({ url: `http://127.0.0.1:${port}`, adminToken: TEST_ADMIN_TOKEN });
      const got = collect(c.ticks());
      await waitUntil("the connection attempt", () => held.size === 1);
      const closing = c.close();
      for (const socket of held) socket.destroy();
      await expect(closing).resolves.toBeUndefined();
      await got.done;
      expect(got.error()).toBeUndefined();
      expect(c.connection.state).toBe("closed");
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("can be stopped while it waits to reconnect", async () => {
    const s = await server();
    const p = await proxy(s);
    const watcher = client({
      url: p.url,
      adminToken: TEST_ADMIN_TOKEN,
      retry: { minDelayMs: 5_000, maxDelayMs: 5_000 },
    });
    const controller = new AbortController();
    const got = collect(watcher.ticks(undefined, { signal: controller.signal }));
    await waitUntil("connected", () => watcher.connection.state === "connected");
    p.cut();
    await waitUntil("reconnecting", () => watcher.connection.state === "reconnecting");
    controller.abort();
    await got.done;
    expect(got.error()).toBeUndefined();
    expect(watcher.connection.state).toBe("closed");
  });
});
