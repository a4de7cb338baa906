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

/**
 * Queries and mutations as `POST <url>` with a JSON body (GraphQL over HTTP). A failure
 * rejects with a `MultiverseError`; an aborted signal rejects with the signal's reason.
 */
export function createHttpTransport(options: {
  url: string;
  fetch: FetchLike | undefined;
  credential: () => Promise<string | undefined>;
  headers: Record<string, string>;
}): HttpTransport {
  return {
    async execute(spec, variables, callOptions, method) {
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
      if (Array.isArray(body?.errors) && body.errors.length > 0)
        throw MultiverseError.fromGraphQL(body.errors, context);
      const data = body?.data;
      if (!response.ok || !data || !(spec.field in data)) {
        throw MultiverseError.network(`The server answered HTTP ${response.status} with no data`, context);
      }
      return data[spec.field];
    },
  };
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
