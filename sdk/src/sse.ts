import { createClient, NetworkError } from "graphql-sse";
import type { FetchLike } from "./http.ts";
import { CloseCode, type CloseLike } from "./protocol.ts";

/** One result of a subscription, as both transports deliver it. */
export interface SubscriberResult {
  data?: Record<string, unknown> | null;
  errors?: readonly unknown[];
}

/** Where a subscription's results go. */
export interface SubscriberSink {
  next(result: SubscriberResult): void;
  error(err: unknown): void;
  complete(): void;
}

/** What carries subscriptions, whatever the transport: graphql-ws's client is one. */
export interface Subscriber {
  /** Starts one subscription; the returned function stops it. */
  subscribe(
    request: { query: string; operationName?: string | null | undefined; variables?: Record<string, unknown> },
    sink: SubscriberSink,
  ): () => void;
  dispose(): void | Promise<void>;
}

/** The transport's events the connection state follows. */
export interface SubscriberEvents {
  connecting(): void;
  connected(): void;
  /** A stream broke (or was refused): the close a WebSocket would have seen. */
  closed(close: CloseLike): void;
}

/**
 * An HTTP answer or a broken stream as the WebSocket close code the same cause gives there, so
 * that one set of rules (FATAL_CLOSE_CODES, `classify`) decides: 401/403 is a refused credential
 * (4403, fatal), 503 a dependency away or a node stopping (1013), any other 4xx a client bug
 * (4400, fatal), a 5xx the server's fault (4500), and a stream cut without an answer 1006.
 */
export function closeOfHttp(err: unknown): CloseLike | undefined {
  if (!(err instanceof NetworkError)) return undefined;
  const status = (err.response as { status?: number } | undefined)?.status;
  const code =
    status === undefined
      ? 1006
      : status === 401 || status === 403
        ? CloseCode.Forbidden
        : status === 503
          ? CloseCode.TryAgain
          : status < 500
            ? CloseCode.BadRequest
            : CloseCode.InternalServerError;
  return { code, reason: err.message };
}

/**
 * The close a server-ended stream carries: its last `next` holds an error whose
 * `extensions.closeCode` is the WebSocket close code of the same cause (4011 the credential
 * ended, 4010 a slow consumer, 1001 the node is going away).
 */
export function closeOfResult(result: SubscriberResult): CloseLike | undefined {
  const first = result.errors?.[0] as { message?: string; extensions?: { closeCode?: unknown } } | undefined;
  const code = first?.extensions?.closeCode;
  return typeof code === "number" ? { code, reason: first?.message ?? "" } : undefined;
}

/**
 * Subscriptions over Server-Sent Events (graphql-sse's client, "distinct connections mode": one
 * HTTP request per subscription, on the GraphQL endpoint itself), for networks that drop
 * WebSockets. graphql-sse does not retry (`retryAttempts: 0`): as over WebSocket, a broken
 * stream fails its subscription with a close (`CloseLike`), and `LiveSubscription` resubscribes
 * with fresh variables (`since`) under the same rules.
 */
export function createSseSubscriber(
  options: { url: string; credential: () => Promise<string | undefined>; fetch: FetchLike | undefined },
  events: SubscriberEvents,
): Subscriber {
  const client = createClient({
    url: options.url,
    retryAttempts: 0,
    ...(options.fetch ? { fetchFn: options.fetch } : {}),
    headers: async (): Promise<Record<string, string>> => {
      const c = await options.credential();
      return c ? { authorization: `Bearer ${c}` } : {};
    },
  });
  return {
    subscribe(request, sink) {
      let ended = false;
      const fail = (close: CloseLike) => {
        if (ended) return;
        ended = true;
        dispose(); // graphql-sse calls the sink asynchronously: dispose is set by then
        events.closed(close);
        sink.error(close);
      };
      const dispose = client.subscribe(
        {
          query: request.query,
          ...(request.operationName ? { operationName: request.operationName } : {}),
          variables: request.variables ?? {},
        },
        {
          next: (result) => {
            const close = closeOfResult(result);
            if (close) fail(close);
            else if (!ended) sink.next(result as SubscriberResult);
          },
          error: (err) => {
            const close = closeOfHttp(err);
            if (close) return fail(close);
            if (!ended) sink.error(err);
            ended = true;
          },
          complete: () => {
            if (!ended) sink.complete();
            ended = true;
          },
        },
        { connecting: () => events.connecting(), connected: () => events.connected() },
      );
      // Stopped by the caller: graphql-sse then completes the sink, as graphql-ws does.
      return () => dispose();
    },
    dispose: () => client.dispose(),
  };
}
