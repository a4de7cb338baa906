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
  /** Whether the socket has closed (known synchronously, as the close event arrives). */
  isClosed(): boolean;
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
  let isClosed = false;
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
        isClosed = true;
        onClosed({ code: ev.code, reason: String(ev.reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  return {
    client,
    connected,
    closed,
    isClosed: () => isClosed,
    socket: () => socket,
    dispose: () => client.dispose() as Promise<void>,
  };
}

export type WsError = { message: string; extensions?: Record<string, unknown> };

/**
 * How a subscription was refused (docs/realtime.md, "How errors arrive"):
 * - `error`: refused before it starts (its document, the subscription limit): one graphql-ws
 *   `error` message;
 * - `next`: refused when it starts (access, a bad argument): one `next` message whose payload
 *   has `errors`. `hasData` says whether that payload had a `data` key (it should not);
 *   `completed` whether `complete` came right after it (it should), rather than another `next`
 *   or the connection's end. Resolved once that following message arrives;
 * - `closed`: the connection ended before the subscription got an answer (`code`, `reason`).
 */
export type Refusal =
  | { form: "error"; errors: readonly WsError[] }
  | { form: "next"; errors: readonly WsError[]; hasData: boolean; completed: boolean }
  | { form: "closed"; code: number; reason: string };

export interface TestSubscription<T> {
  /** Everything received so far. */
  values: T[];
  /** Resolves once `n` values have arrived (in total). */
  received(n: number): Promise<T[]>;
  /** Resolves with the errors if the subscription fails (in either form, or a closed connection). */
  errored: Promise<readonly WsError[]>;
  /** Resolves with the form and errors of the first refusal; see `Refusal`. */
  refused: Promise<Refusal>;
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
  let onError!: (e: readonly WsError[]) => void;
  let onRefused!: (r: Refusal) => void;
  let onComplete!: () => void;
  const errored = new Promise<readonly WsError[]>((r) => (onError = r));
  const refused = new Promise<Refusal>((r) => (onRefused = r));
  const completed = new Promise<void>((r) => (onComplete = r));
  /** A `next` refusal waiting for what follows it (`complete`, or anything else). */
  let pending: { errors: readonly WsError[]; hasData: boolean } | undefined;
  const settlePending = (completedAfter: boolean) => {
    if (pending) onRefused({ form: "next", ...pending, completed: completedAfter });
    pending = undefined;
  };
  const stop = ws.client.subscribe<T>(
    { query, variables },
    {
      next: (msg) => {
        settlePending(false);
        if (msg.errors) {
          onError(msg.errors as never);
          pending = { errors: msg.errors as never, hasData: "data" in msg };
        }
        if (msg.data) values.push(msg.data as T);
        for (const w of waiters.filter((w) => values.length >= w.n)) w.resolve(values.slice(0, w.n));
      },
      error: (err) => {
        settlePending(false);
        if (Array.isArray(err)) {
          onError(err);
          onRefused({ form: "error", errors: err });
          return;
        }
        const close = err as { code?: unknown; reason?: unknown };
        onError([{ message: String((err as Error)?.message ?? err) }]);
        if (typeof close.code === "number") {
          onRefused({ form: "closed", code: close.code, reason: String(close.reason) });
        }
      },
      complete: () => {
        // The client also completes a subscription when its connection closes: not a `complete`.
        settlePending(!ws.isClosed());
        onComplete();
      },
    },
  );
  void ws.closed.then((c) => {
    settlePending(false);
    if (values.length === 0) onRefused({ form: "closed", ...c });
  });
  return {
    values,
    received: (n) =>
      values.length >= n ? Promise.resolve(values.slice(0, n)) : new Promise((resolve) => waiters.push({ n, resolve })),
    errored,
    refused,
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
