import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy in front of a test server, to break the network under a client the way a real
 * network breaks: `cut()` drops every connection and refuses new ones, `blackhole()` keeps them
 * open but lets nothing through (only pings notice), `pauseDownstream()` stops reading from the
 * server (so the server sees a slow consumer).
 */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: the server's base URL, through the proxy. */
  url: string;
  /** Drops every open connection abruptly and refuses new ones until `restore()`. */
  cut(): void;
  /** Keeps connections open but forwards nothing, either way, until `restore()`. */
  blackhole(): void;
  /** Back to forwarding everything; new connections are accepted again. */
  restore(): void;
  /** Stops reading from the server on every open connection (the client falls behind). */
  pauseDownstream(): void;
  resumeDownstream(): void;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const pairs = new Set<Pair>();
  let mode: "forward" | "refuse" | "blackhole" = "forward";
  let accepted = 0;

  const flowing = (p: Pair) => {
    p.client.pipe(p.upstream);
    p.upstream.pipe(p.client);
    p.client.resume();
    p.upstream.resume();
  };
  const stopped = (p: Pair) => {
    p.client.unpipe(p.upstream);
    p.upstream.unpipe(p.client);
    p.client.pause();
    p.upstream.pause();
  };

  const server: Server = createServer((client) => {
    accepted++;
    if (mode === "refuse") {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    if (mode === "forward") flowing(pair);
    else stopped(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      mode = "refuse";
      for (const p of [...pairs]) {
        p.client.resetAndDestroy();
        p.upstream.destroy();
      }
      pairs.clear();
    },
    blackhole() {
      mode = "blackhole";
      for (const p of pairs) stopped(p);
    },
    restore() {
      if (mode === "blackhole") for (const p of pairs) flowing(p);
      mode = "forward";
    },
    pauseDownstream() {
      for (const p of pairs) {
        p.upstream.unpipe(p.client);
        p.upstream.pause();
      }
    },
    resumeDownstream() {
      for (const p of pairs) {
        p.upstream.pipe(p.client);
        p.upstream.resume();
      }
    },
    accepted: () => accepted,
    async close() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
