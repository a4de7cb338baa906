import { createClient } from "graphql-ws/client";
import { MultiverseError } from "./errors.ts";
import type { FetchLike } from "./http.ts";
import { isFatalClose, type CloseLike, type ConnectionState } from "./protocol.ts";
import { createSseSubscriber, type Subscriber } from "./sse.ts";

export type { CloseLike };

/** One change of `ConnectionState`. */
export interface ConnectionStateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /**
   * The close code of the socket that just closed (a `CloseCode`, e.g. 1001 server going away,
   * 4010 slow consumer, 4011 the credential ended while connected).
   */
  closeCode?: number;
  /** The reason that came with `closeCode`. */
  closeReason?: string;
}

/** The client's WebSocket connection, as `client.connection`. */
export interface Connection {
  readonly state: ConnectionState;
  /** Calls `listener` on every change of state; returns a function that stops it. */
  onChange(listener: (change: ConnectionStateChange) => void): () => void;
}

export const isCloseLike = (v: unknown): v is CloseLike =>
  typeof v === "object" && v !== null && typeof (v as CloseLike).code === "number" && "reason" in v;

/** What carries subscriptions: one WebSocket, or one Server-Sent Events stream per subscription. */
export type Transport = "websocket" | "sse";

export interface ConnectionOptions {
  transport: Transport;
  /** The WebSocket URL, or over SSE the GraphQL endpoint. */
  url: string;
  /** Over SSE: the `fetch` that opens the streams (the global one when undefined). */
  fetch: FetchLike | undefined;
  webSocketImpl: unknown;
  credential: () => Promise<string | undefined>;
  keepAliveMs: number;
  pongTimeoutMs: number;
}

/**
 * Owns the subscriptions' client (created on the first subscription) and the connection state.
 * Over WebSocket, graphql-ws's client and its one socket. Over SSE (`transport: "sse"`),
 * graphql-sse's client, one stream per subscription: the state then follows the streams together
 * (`connecting` while the first opens, `connected` once one is open, `reconnecting` when one
 * broke while subscriptions run, `closed` when none is wanted), and keepAliveMs/pongTimeoutMs do
 * not apply (the server pings every stream; a dead one fails at the next read).
 * Reconnecting is not graphql-ws's job here: it runs with `retryAttempts: 0`, so a dropped socket
 * fails every running subscription, and each one comes back through `Subscriptions` with fresh
 * variables (`since`), which graphql-ws's own retry (resending the first payload) cannot do.
 */
export class ConnectionManager implements Connection {
  #state: ConnectionState = "closed";
  readonly #listeners = new Set<(change: ConnectionStateChange) => void>();
  #client: Promise<Subscriber> | undefined;
  /** Subscriptions that are running or waiting to reconnect. */
  #active = 0;
  /** The socket dropped while subscriptions were running: the next connect is a reconnect. */
  #lost = false;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #options: ConnectionOptions;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  onChange(listener: (change: ConnectionStateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(state: ConnectionState, close?: CloseLike): void {
    if (state === this.#state) return;
    const change: ConnectionStateChange = {
      state,
      previous: this.#state,
      ...(close ? { closeCode: close.code, closeReason: String(close.reason ?? "") } : {}),
    };
    this.#state = state;
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's bug must not break the connection.
      }
    }
  }

  /** A subscription starts (or keeps) needing the socket. */
  retain(): void {
    this.#active++;
  }

  /** A subscription ended for good. */
  release(): void {
    this.#active = Math.max(0, this.#active - 1);
    // Over SSE, the last subscription's stream closes with it; a WebSocket reports its own close.
    const closing = this.#state === "reconnecting" || this.#options.transport === "sse";
    if (this.#active === 0 && closing) {
      this.#lost = false;
      this.#set("closed");
    }
  }

  /** The subscriptions' client, created on first use. */
  client(): Promise<Subscriber> {
    this.#client ??= this.#create().catch((err: unknown) => {
      this.#client = undefined;
      throw err;
    });
    return this.#client;
  }

  /** A carrier closed (a socket, or a stream over SSE): reconnecting, unless nothing runs or it is fatal. */
  #closed(close: CloseLike | undefined): void {
    if (close && isFatalClose(close.code)) {
      this.#lost = false;
      this.#set("closed", close);
    } else if (this.#active > 0) {
      this.#lost = true;
      this.#set("reconnecting", close);
    } else {
      this.#lost = false;
      this.#set("closed", close);
    }
  }

  async #create(): Promise<Subscriber> {
    const { url, credential, keepAliveMs, pongTimeoutMs } = this.#options;
    if (this.#options.transport === "sse") {
      return createSseSubscriber(
        { url, credential, fetch: this.#options.fetch },
        {
          // A second stream opening while one is open changes nothing.
          connecting: () => {
            if (this.#state !== "connected") this.#set(this.#lost ? "reconnecting" : "connecting");
          },
          connected: () => {
            this.#lost = false;
            this.#set("connected");
          },
          closed: (close) => this.#closed(close),
        },
      );
    }
    const webSocketImpl = await resolveWebSocket(this.#options.webSocketImpl);
    const stopPongTimer = () => {
      clearTimeout(this.#pongTimer);
      this.#pongTimer = undefined;
    };
    let client: ReturnType<typeof createClient> | undefined = undefined;
    client = createClient({
      url,
      webSocketImpl,
      lazy: true,
      retryAttempts: 0,
      keepAlive: keepAliveMs,
      connectionParams: async () => {
        const c = await credential();
        return c ? { authorization: `Bearer ${c}` } : {};
      },
      on: {
        connecting: () => this.#set(this.#lost ? "reconnecting" : "connecting"),
        connected: () => {
          this.#lost = false;
          this.#set("connected");
        },
        ping: (received) => {
          // We pinged: a server that does not answer within pongTimeoutMs is gone (a network cut
          // that closed nothing). Terminating fails the subscriptions, which then reconnect.
          if (received || pongTimeoutMs <= 0) return;
          stopPongTimer();
          this.#pongTimer = setTimeout(() => client?.terminate(), pongTimeoutMs);
        },
        pong: (received) => {
          if (received) stopPongTimer();
        },
        closed: (event) => {
          stopPongTimer();
          this.#closed(isCloseLike(event) ? event : undefined);
        },
      },
    });
    return client;
  }

  /** Closes the socket; the running subscriptions have been stopped by the caller. */
  async close(): Promise<void> {
    const pending = this.#client;
    this.#client = undefined;
    this.#lost = false;
    if (pending) {
      const client = await pending.catch(() => undefined);
      // graphql-ws's dispose() waits for a connection attempt under way and rejects with its
      // close when it fails (a network cut, a node going away): the socket is gone either way,
      // and close() must not hand a raw close event to a caller that only wanted it closed.
      await Promise.resolve(client?.dispose()).catch(() => undefined);
    }
    this.#set("closed");
  }
}

/** `ws` on Node when the platform has no WebSocket (Node 20); the platform's otherwise. */
async function resolveWebSocket(given: unknown): Promise<unknown> {
  if (given) return given;
  const platform = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (platform) return platform;
  // A specifier in a variable, so that bundlers for browsers (which have WebSocket) leave it alone.
  const ws = "ws";
  try {
    const mod = (await import(/* @vite-ignore */ ws)) as { WebSocket?: unknown; default?: unknown };
    const impl = mod.WebSocket ?? mod.default;
    if (impl) return impl;
  } catch {
    // Not installed: say how below.
  }
  throw new MultiverseError({
    kind: "network",
    code: "NETWORK_ERROR",
    message:
      "No WebSocket here (Node 20 has none built in): `npm install ws`, or pass `webSocketImpl` to createMultiverseClient",
  });
}
