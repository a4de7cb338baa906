import { MultiverseError, type GraphQLErrorDetail } from "./errors.ts";
import type { OperationSpec, RequestOptions } from "./operation-types.ts";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransport {
  /** Sends `spec` with `variables` and returns the value of its root field. */
  execute(
    spec: OperationSpec,
    variables: Record<string, unknown> | undefined,
    options: RequestOptions | undefined,
    method: string,
  ): Promise<unknown>;
}

interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorDetail[];
}

/** How long to wait after SERVICE_UNAVAILABLE when the answer says nothing (the server always says). */
const DEFAULT_RETRY_AFTER_MS = 1000;

/**
 * Queries and mutations as `POST <url>` with a JSON body (GraphQL over HTTP). A failure
 * rejects with a `MultiverseError`; an aborted signal rejects with the signal's reason.
 *
 * An answer of SERVICE_UNAVAILABLE (Postgres or Redis away for a moment, a node stopping) is
 * retried after its `retryAfterMs`, up to `unavailableRetries` times: the server answers it only
 * for a request that changed nothing, so a mutation is retried as safely as a query. A request
 * that got no answer at all (the network) is not retried: a mutation may have run.
 */
export function createHttpTransport(options: {
  url: string;
  fetch: FetchLike | undefined;
  credential: () => Promise<string | undefined>;
  headers: Record<string, string>;
  unavailableRetries: number;
}): HttpTransport {
  const once: HttpTransport["execute"] = async (spec, variables, callOptions, method) => {
    const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (!fetchImpl) {
      throw MultiverseError.network("No fetch here: pass `fetch` to createMultiverseClient", { operation: method });
    }
    const signal = callOptions?.signal;
    signal?.throwIfAborted();
    const credential = await options.credential();
    let response: Response;
    try {
      response = await fetchImpl(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          ...options.headers,
          ...callOptions?.headers,
          ...(credential ? { authorization: `Bearer ${credential}` } : {}),
        },
        body: JSON.stringify({ query: spec.query, operationName: spec.operationName, variables: variables ?? {} }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw MultiverseError.network(`Could not reach ${options.url}: ${describe(err)}`, {
        operation: method,
        cause: err,
      });
    }
    const requestId = response.headers.get("x-request-id") ?? undefined;
    const context = { operation: method, status: response.status, ...(requestId ? { requestId } : {}) };
    let body: GraphQLResponse;
    try {
      body = (await response.json()) as GraphQLResponse;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw MultiverseError.network(
        `The server answered HTTP ${response.status} without a GraphQL body (is ${options.url} the GraphQL endpoint?)`,
        { ...context, cause: err },
      );
    }
    if (Array.isArray(body?.errors) && body.errors.length > 0) throw MultiverseError.fromGraphQL(body.errors, context);
    const data = body?.data;
    if (!response.ok || !data || !(spec.field in data)) {
      throw MultiverseError.network(`The server answered HTTP ${response.status} with no data`, context);
    }
    return data[spec.field];
  };
  return {
    async execute(spec, variables, callOptions, method) {
      for (let retries = 0; ; retries++) {
        try {
          return await once(spec, variables, callOptions, method);
        } catch (err) {
          const unavailable = err instanceof MultiverseError && err.code === "SERVICE_UNAVAILABLE";
          if (!unavailable || retries >= options.unavailableRetries) throw err;
          await pause(err.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS, callOptions?.signal);
        }
      }
    },
  };
}

/** Waits `ms`; rejects with the signal's reason as soon as it is aborted. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A short text for whatever the platform threw (fetch's TypeError hides the reason in `cause`). */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const inner = cause instanceof Error ? `: ${cause.message}` : "";
    return `${err.message}${inner}`;
  }
  return String(err);
}
