import { ConnectionManager, type Connection, type Transport } from "./connection.ts";
import { MultiverseError } from "./errors.ts";
import { internalOperations, operations, type MultiverseOperations } from "./generated/operations.ts";
import { createHttpTransport, type FetchLike, type HttpTransport } from "./http.ts";
import type {
  OperationSpec,
  RequestOptions,
  ResumableSubscription,
  SubscribeOptions,
  SubscriptionRequest,
} from "./operation-types.ts";
import {
  DEFAULT_RETRY,
  LiveSubscription,
  type ResumeHooks,
  type RetryOptions,
  type SubscriptionContext,
  type SubscriptionSpec,
} from "./subscription.ts";

/** A credential, or a function that returns the current one (called for every request and every (re)connect). */
export type Credential = string | (() => string | Promise<string>);

/** Who the client acts as: one of these, or none (most operations then answer UNAUTHENTICATED). */
export type CredentialOptions =
  | { adminToken: Credential; apiKey?: never; token?: never; developerKey?: never }
  | { apiKey: Credential; adminToken?: never; token?: never; developerKey?: never }
  | { token: Credential; adminToken?: never; apiKey?: never; developerKey?: never }
  | { developerKey: Credential; adminToken?: never; apiKey?: never; token?: never }
  | { adminToken?: never; apiKey?: never; token?: never; developerKey?: never };

export type MultiverseClientOptions = CredentialOptions & {
  /**
   * The GraphQL endpoint, e.g. `http://localhost:4000/graphql` (a bare origin gets `/graphql`).
   * Subscriptions use the same URL over `ws:`/`wss:`.
   */
  url: string;
  /** The WebSocket URL, when it differs from `url` with `ws:`/`wss:`. */
  wsUrl?: string;
  /**
   * What carries subscriptions: one WebSocket (default), or `"sse"`: Server-Sent Events, one
   * HTTP request per subscription on `url` itself (graphql-sse), for networks whose proxies drop
   * WebSockets. Both resume, retry and report `connection` alike (see docs/sdk.md).
   */
  transport?: Transport;
  /** A `fetch` to use instead of the global one. */
  fetch?: FetchLike;
  /**
   * A WebSocket class to use instead of the global one (browsers, Node 22+). On Node 20 the SDK
   * loads `ws` by itself when it is installed; pass it here otherwise.
   */
  webSocketImpl?: unknown;
  /** Headers for every HTTP request. */
  headers?: Record<string, string>;
  /** How subscriptions reconnect. Default: forever, from up to 250 ms to 10 s apart. */
  retry?: RetryOptions;
  /**
   * Times a query or mutation answered SERVICE_UNAVAILABLE (the server changed nothing: a
   * dependency is away for a moment, or the node is stopping) is sent again, each after the
   * answer's `retryAfterMs`. Past it, the call rejects with that error. Default: 5; 0 turns it off.
   */
  unavailableRetries?: number;
  /**
   * Messages a subscription keeps for a loop that has not taken them yet. Past it, `events`
   * pauses and resumes from where it was when the loop catches up (nothing lost); the other
   * subscriptions drop their oldest waiting message. Default: 1000.
   */
  bufferSize?: number;
  /** Ping the server this often to notice a dead connection; 0 turns it off. Default: 10 000. WebSocket only. */
  keepAliveMs?: number;
  /** A ping not answered within this long drops the connection (and reconnects). Default: 5 000. WebSocket only. */
  pongTimeoutMs?: number;
};

/** The client: one method per operation, `subscribe` for documents, the connection's state, and `close()`. */
export interface MultiverseClient extends MultiverseOperations {
  /** The WebSocket that carries the subscriptions: its state and its changes. */
  readonly connection: Connection;
  /**
   * Runs a subscription given as a request (`{ query, operationName, variables }`) rather than
   * by its method, for GraphQL clients that take documents (the admin console forwards urql's
   * subscriptions here). It shares the socket and reconnects like the methods, and yields each
   * message's whole `data`. When `operationName` names one of the SDK's subscriptions (documents
   * from `@multiverse/sdk/documents` do), it also resumes like that method: `Events`
   * resubscribes with `since` = the last `seq` received, and `ready` means what it means there
   * (it resolves at once for the others).
   */
  subscribe<TData = Record<string, unknown>>(
    request: SubscriptionRequest,
    options?: SubscribeOptions,
  ): ResumableSubscription<TData>;
  /** Stops every subscription and closes the socket. Queries and mutations keep working. */
  close(): Promise<void>;
}

/** `http://host:4000` → `http://host:4000/graphql`; anything with a path is kept. */
function endpoint(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    u = new URL("invalid:");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new TypeError(
      `createMultiverseClient: url must be an http(s) URL, e.g. http://localhost:4000/graphql (got ${JSON.stringify(url)})`,
    );
  }
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/graphql";
  return u.toString();
}

function webSocketUrl(httpUrl: string): string {
  const u = new URL(httpUrl);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}

function credentialOf(options: CredentialOptions): () => Promise<string | undefined> {
  const c = options.adminToken ?? options.apiKey ?? options.token ?? options.developerKey;
  if (c === undefined) return async () => undefined;
  if (typeof c === "string") return async () => c;
  return async () => c();
}

/**
 * Resume for subscriptions that have `resume` (events): start where the log ends now (or at the
 * `since` given), resubscribe with the last cursor received, drop anything not newer.
 */
function resumeHooks(
  resume: OperationSpec["resume"],
  variables: Record<string, unknown> | undefined,
  http: HttpTransport,
  method: string,
): ResumeHooks | undefined {
  if (!resume) return undefined;
  const { argument, cursor } = resume;
  const given = variables?.[argument];
  let last: bigint | undefined;
  try {
    last = given === undefined || given === null ? undefined : BigInt(given as string);
  } catch {
    last = undefined; // not a number: sent as given, and the server says what is wrong
  }
  const raw = last === undefined && given !== undefined && given !== null;
  return {
    async start() {
      if (last !== undefined || raw) return;
      const head = (await http.execute(internalOperations.latestEventSeq, {}, undefined, method)) as {
        lastSeq: string;
      };
      last = BigInt(head.lastSeq);
    },
    variables: () => ({ ...variables, [argument]: last === undefined ? given : last.toString() }),
    accept(value) {
      const position = (value as Record<string, unknown>)[cursor];
      if (typeof position !== "string") return true;
      const n = BigInt(position);
      if (last !== undefined && n <= last) return false;
      last = n;
      return true;
    },
  };
}

/**
 * A client for the Multiverse API.
 *
 * ```ts
 * const mv = createMultiverseClient({ url: "http://localhost:4000/graphql", apiKey });
 * const room = await mv.createRoom({ realmId, name: "Lobby" });
 * for await (const { occupants } of mv.roomOccupants({ roomId: room.id })) console.log(occupants);
 * ```
 *
 * Queries and mutations go over HTTP (`fetch`); subscriptions share one WebSocket, opened on the
 * first subscription and closed after the last, which reconnects with backoff when it drops.
 */
export function createMultiverseClient(options: MultiverseClientOptions): MultiverseClient {
  if (!options || typeof options.url !== "string") {
    throw new TypeError("createMultiverseClient needs { url }, e.g. http://localhost:4000/graphql");
  }
  const url = endpoint(options.url);
  const transport: Transport = options.transport ?? "websocket";
  if (transport !== "websocket" && transport !== "sse") {
    throw new TypeError(
      `createMultiverseClient: transport must be "websocket" or "sse" (got ${JSON.stringify(transport)})`,
    );
  }
  const wsUrl = transport === "sse" ? url : (options.wsUrl ?? webSocketUrl(url));
  const credential = credentialOf(options);
  const http = createHttpTransport({
    url,
    fetch: options.fetch,
    credential,
    headers: options.headers ?? {},
    unavailableRetries: Math.max(0, options.unavailableRetries ?? 5),
  });
  const connection = new ConnectionManager({
    transport,
    url: wsUrl,
    fetch: options.fetch,
    webSocketImpl: options.webSocketImpl,
    credential,
    keepAliveMs: options.keepAliveMs ?? 10_000,
    pongTimeoutMs: options.pongTimeoutMs ?? 5_000,
  });
  const live = new Set<LiveSubscription<unknown>>();
  const ctx: SubscriptionContext = {
    connection,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    bufferSize: Math.max(1, options.bufferSize ?? 1000),
    wsUrl,
    onEnd: (sub) => live.delete(sub),
  };

  const start = (
    spec: SubscriptionSpec,
    variables: Record<string, unknown> | undefined,
    opts: SubscribeOptions | undefined,
    method: string,
    resume: OperationSpec["resume"],
  ) => {
    const sub = new LiveSubscription(ctx, spec, variables, opts, method, resumeHooks(resume, variables, http, method));
    live.add(sub);
    return sub;
  };
  /** The SDK's subscriptions by operation name, for `subscribe`. */
  const subscriptions = new Map<string, { method: string; spec: OperationSpec }>();

  const client: Record<string, unknown> = {
    connection,
    subscribe(request: SubscriptionRequest, opts?: SubscribeOptions) {
      if (!request || typeof request.query !== "string") {
        throw new TypeError("client.subscribe needs { query }, the subscription's document printed");
      }
      const name = request.operationName ?? undefined;
      const own = name === undefined ? undefined : subscriptions.get(name);
      const spec: SubscriptionSpec = { query: request.query, operationName: name, field: own?.spec.field, whole: true };
      return start(spec, request.variables ?? undefined, opts, own?.method ?? name ?? "subscribe", own?.spec.resume);
    },
    async close() {
      for (const sub of [...live]) sub.stop();
      await connection.close();
    },
  };
  for (const [method, spec] of Object.entries(operations) as [string, OperationSpec][]) {
    const toVariables = (arg: unknown) =>
      spec.inputOnly ? { input: arg } : (arg as Record<string, unknown> | undefined);
    if (spec.kind === "subscription") {
      subscriptions.set(spec.operationName, { method, spec });
      client[method] = (arg: unknown, opts?: SubscribeOptions) =>
        start(spec, toVariables(arg), opts, method, spec.resume);
    } else {
      client[method] = (arg: unknown, opts?: RequestOptions) => http.execute(spec, toVariables(arg), opts, method);
    }
  }
  return client as unknown as MultiverseClient;
}

export { MultiverseError };
