import { createClient, type Client } from "graphql-ws/client";
import { MultiverseError } from "./errors.ts";
import { isFatalClose, type ConnectionState } from "./protocol.ts";

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

/** What a WebSocket close looks like, in browsers, in `ws` and in graphql-ws. */
export interface CloseLike {
  code: number;
  reason: string;
}

export const isCloseLike = (v: unknown): v is CloseLike =>
  typeof v === "object" && v !== null && typeof (v as CloseLike).code === "number" && "reason" in v;

export interface ConnectionOptions {
  url: string;
  webSocketImpl: unknown;
  credential: () => Promise<string | undefined>;
  keepAliveMs: number;
  pongTimeoutMs: number;
}

/**
 * Owns the graphql-ws client (created on the first subscription) and the connection state.
 * Reconnecting is not graphql-ws's job here: it runs with `retryAttempts: 0`, so a dropped socket
 * fails every running subscription, and each one comes back through `Subscriptions` with fresh
 * variables (`since`), which graphql-ws's own retry (resending the first payload) cannot do.
 */
export class ConnectionManager implements Connection {
  #state: ConnectionState = "closed";
  readonly #listeners = new Set<(change: ConnectionStateChange) => void>();
  #client: Promise<Client> | undefined;
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
    if (this.#active === 0 && this.#state === "reconnecting") {
      this.#lost = false;
      this.#set("closed");
    }
  }

  /** The graphql-ws client, created on first use. */
  client(): Promise<Client> {
    this.#client ??= this.#create().catch((err: unknown) => {
      this.#client = undefined;
      throw err;
    });
    return this.#client;
  }

  async #create(): Promise<Client> {
    const { url, credential, keepAliveMs, pongTimeoutMs } = this.#options;
    const webSocketImpl = await resolveWebSocket(this.#options.webSocketImpl);
    const stopPongTimer = () => {
      clearTimeout(this.#pongTimer);
      this.#pongTimer = undefined;
    };
    let client: Client | undefined = undefined;
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
          const close = isCloseLike(event) ? event : undefined;
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
