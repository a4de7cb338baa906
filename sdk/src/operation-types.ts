// The shapes the generated methods (generated/operations.ts) are written in.

export type OperationKind = "query" | "mutation" | "subscription";

/** What one generated method sends. */
export interface OperationSpec {
  readonly kind: OperationKind;
  readonly operationName: string;
  /** The root field whose value the method returns. */
  readonly field: string;
  /** The method takes the `input` variable itself (`registerGame({ … })`), not `{ input }`. */
  readonly inputOnly: boolean;
  /** For subscriptions that resume: the variable to resume with and the field that holds the position. */
  readonly resume?: { readonly argument: string; readonly cursor: string };
  /** The operation and the fragments it uses, as sent. */
  readonly query: string;
}

/** Per-call options of queries and mutations. */
export interface RequestOptions {
  /** Aborts the request: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Extra HTTP headers, e.g. `x-request-id` to follow the call through the server's logs. */
  headers?: Record<string, string>;
}

/** Per-call options of subscriptions. */
export interface SubscribeOptions {
  /** Stops the subscription: the `for await` loop ends (without an error). */
  signal?: AbortSignal;
}

/**
 * A subscription as GraphQL clients that take documents send it (urql's `subscriptionExchange`,
 * graphql-ws's `SubscribePayload`), for `client.subscribe`.
 */
export interface SubscriptionRequest {
  /** The document, printed (with its fragments). */
  query: string;
  /** Which operation of `query` to run; the SDK's own names (`Events`, …) get their resume. */
  operationName?: string | null | undefined;
  variables?: Record<string, unknown> | null | undefined;
}

/**
 * A live stream of messages: iterate it with `for await`. It reconnects by itself when the
 * connection drops (see `client.connection`); it ends when you `break`, abort `signal`, call
 * `stop()` or `client.close()`, or when the server completes it. A GraphQL error, a refused
 * credential (close code 4403) or running out of reconnect attempts end it with a
 * `MultiverseError`, thrown from the loop.
 */
export interface MultiverseSubscription<T> extends AsyncIterableIterator<T> {
  /** Stops it; a `for await` loop over it ends. The same as `break`. */
  stop(): void;
}

/**
 * A subscription that resumes after a reconnect from the last message it received (`events`:
 * with `since` = the last `seq`), so a network cut or a server restart loses and repeats
 * nothing.
 */
export interface ResumableSubscription<T> extends MultiverseSubscription<T> {
  /**
   * Resolves once the starting point is fixed: everything after it will be delivered, whatever
   * happens to the connection. Await it before publishing something you expect to receive.
   * Rejects (and so does the loop) if the stream could not start.
   */
  readonly ready: Promise<void>;
}
