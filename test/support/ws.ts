import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface Closed {
  code: number;
  reason: string;
}

export interface TestWsClient {
  client: Client;
  /** Resolves once the server acknowledged the connection. */
  connected: Promise<void>;
  /** Resolves with the first close event. */
  closed: Promise<Closed>;
  /** The raw socket, once open (to pause reading in slow-consumer tests). */
  socket(): WebSocket | undefined;
  dispose(): Promise<void>;
}

/**
 * A graphql-ws client for `baseUrl` (http://…) sending `credential` as `authorization: Bearer …`,
 * without retries. `options.connectionParams` sends those instead (e.g. `{ token }`).
 */
export function connectWs(
  baseUrl: string,
  credential?: string,
  options: { connectionParams?: Record<string, unknown> } = {},
): TestWsClient {
  let socket: WebSocket | undefined;
  let onConnected!: () => void;
  let onClosed!: (c: Closed) => void;
  const connected = new Promise<void>((r) => (onConnected = r));
  const closed = new Promise<Closed>((r) => (onClosed = r));
  const client = createClient({
    url: `${baseUrl.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: options.connectionParams ?? (credential ? { authorization: `Bearer ${credential}` } : {}),
    lazy: false,
    retryAttempts: 0,
    shouldRetry: () => false,
    on: {
      opened: (s) => {
        socket = s as WebSocket;
      },
      connected: () => onConnected(),
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        onClosed({ code: ev.code, reason: String(ev.reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  return { client, connected, closed, socket: () => socket, dispose: () => client.dispose() as Promise<void> };
}

export interface TestSubscription<T> {
  /** Everything received so far. */
  values: T[];
  /** Resolves once `n` values have arrived (in total). */
  received(n: number): Promise<T[]>;
  /** Resolves with the errors if the subscription fails. */
  errored: Promise<readonly { message: string; extensions?: Record<string, unknown> }[]>;
  /** Resolves when the server completes it. */
  completed: Promise<void>;
  stop(): void;
}

/** Subscribes and collects what arrives, with ways to wait for it. */
export function subscribe<T = Record<string, unknown>>(
  ws: TestWsClient,
  query: string,
  variables: Record<string, unknown> = {},
): TestSubscription<T> {
  const values: T[] = [];
  const waiters: { n: number; resolve: (v: T[]) => void }[] = [];
  let onError!: (e: readonly { message: string; extensions?: Record<string, unknown> }[]) => void;
  let onComplete!: () => void;
  const errored = new Promise<readonly { message: string; extensions?: Record<string, unknown> }[]>(
    (r) => (onError = r),
  );
  const completed = new Promise<void>((r) => (onComplete = r));
  const stop = ws.client.subscribe<T>(
    { query, variables },
    {
      next: (msg) => {
        if (msg.errors) onError(msg.errors as never);
        if (msg.data) values.push(msg.data as T);
        for (const w of waiters.filter((w) => values.length >= w.n)) w.resolve(values.slice(0, w.n));
      },
      error: (err) => onError(Array.isArray(err) ? err : [{ message: String((err as Error)?.message ?? err) }]),
      complete: () => onComplete(),
    },
  );
  return {
    values,
    received: (n) =>
      values.length >= n ? Promise.resolve(values.slice(0, n)) : new Promise((resolve) => waiters.push({ n, resolve })),
    errored,
    completed,
    stop,
  };
}

/** The clients a suite opens, disposed of together in its afterAll. */
export function wsClients(baseUrl: () => string) {
  const open: TestWsClient[] = [];
  return {
    /** Connects with `credential` and waits for the server's acknowledgement. */
    async connect(credential: string): Promise<TestWsClient> {
      const c = connectWs(baseUrl(), credential);
      open.push(c);
      await c.connected;
      return c;
    },
    disposeAll: async () => {
      await Promise.all(open.map((c) => c.dispose()));
    },
  };
}
