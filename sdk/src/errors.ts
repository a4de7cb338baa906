/** The `extensions.code` values the server answers with (docs/errors.md). */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL_SERVER_ERROR";

/** A server code, or `NETWORK_ERROR` when the server could not be reached or the connection broke. */
// `string & {}` keeps the known codes in autocompletion while allowing codes a newer server adds.
export type MultiverseErrorCode = ErrorCode | "NETWORK_ERROR" | (string & {});

/** One problem with the input (`BAD_USER_INPUT`), as `extensions.problems` lists them. */
export interface InputProblem {
  field: string;
  message: string;
}

/** One error of a GraphQL response, as the server sent it. */
export interface GraphQLErrorDetail {
  message: string;
  path?: readonly (string | number)[];
  locations?: readonly { line: number; column: number }[];
  extensions?: Record<string, unknown>;
}

export interface MultiverseErrorInit {
  kind: "graphql" | "network";
  message: string;
  code?: MultiverseErrorCode;
  graphQLErrors?: readonly GraphQLErrorDetail[];
  operation?: string;
  status?: number;
  closeCode?: number;
  requestId?: string;
  cause?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * The one error the SDK throws. `kind` tells the two families apart:
 *
 * - `"graphql"`: the server answered and refused (a GraphQL error, or a WebSocket it closed with
 *   4403 because the credential is bad). `code` is the first error's `extensions.code`; fix the
 *   call, do not retry it as is.
 * - `"network"`: the server could not be reached, answered something that is not GraphQL, or the
 *   connection broke and the reconnect attempts ran out. `code` is `NETWORK_ERROR`; retrying
 *   later may work.
 *
 * Branch on `code`, never on `message`.
 */
export class MultiverseError extends Error {
  override readonly name = "MultiverseError";
  readonly kind: "graphql" | "network";
  /** `extensions.code` of the first GraphQL error, or `NETWORK_ERROR`. */
  readonly code: MultiverseErrorCode;
  /** Every GraphQL error of the response (empty for network errors). */
  readonly graphQLErrors: readonly GraphQLErrorDetail[];
  /** The input field at fault (`BAD_USER_INPUT`), dotted: `realm.realmType`. */
  readonly field: string | undefined;
  /** Why a request could not run at all, e.g. `QUERY_TOO_DEEP`, `EVENTS_EXPIRED`. */
  readonly reason: string | undefined;
  /** `RATE_LIMITED`, `SERVICE_UNAVAILABLE`: how long to wait before retrying. */
  readonly retryAfterMs: number | undefined;
  /** Every input problem (`BAD_USER_INPUT`), when the server listed them. */
  readonly problems: readonly InputProblem[];
  /** Where to look in the server's logs: `extensions.requestId`, or the `x-request-id` response header. */
  readonly requestId: string | undefined;
  /** The method that failed, e.g. `registerGame`. */
  readonly operation: string | undefined;
  /** The HTTP status, for queries and mutations. */
  readonly status: number | undefined;
  /** The WebSocket close code, for subscriptions ended by a close (4403, or the last one before giving up). */
  readonly closeCode: number | undefined;

  constructor(init: MultiverseErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    const first = init.graphQLErrors?.[0]?.extensions ?? {};
    this.kind = init.kind;
    this.graphQLErrors = init.graphQLErrors ?? [];
    this.code =
      init.code ?? str(first["code"]) ?? (init.kind === "network" ? "NETWORK_ERROR" : "INTERNAL_SERVER_ERROR");
    this.field = str(first["field"]);
    this.reason = str(first["reason"]);
    this.retryAfterMs = typeof first["retryAfterMs"] === "number" ? first["retryAfterMs"] : undefined;
    this.problems = Array.isArray(first["problems"]) ? (first["problems"] as InputProblem[]) : [];
    this.requestId = str(first["requestId"]) ?? init.requestId;
    this.operation = init.operation;
    this.status = init.status;
    this.closeCode = init.closeCode;
  }

  /** The server could not be reached, or the connection broke for good. */
  get isNetworkError(): boolean {
    return this.kind === "network";
  }

  /** The server answered with GraphQL errors (or refused the credential). */
  get isGraphQLError(): boolean {
    return this.kind === "graphql";
  }

  /** Builds the error for GraphQL `errors`, with the first one's message. */
  static fromGraphQL(
    errors: readonly GraphQLErrorDetail[],
    context: { operation?: string; status?: number; requestId?: string } = {},
  ): MultiverseError {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    return new MultiverseError({
      kind: "graphql",
      message: `${first?.message ?? "GraphQL error"}${more}`,
      graphQLErrors: errors,
      ...context,
    });
  }

  /** Builds a network error; `cause` is what the platform threw, if anything. */
  static network(
    message: string,
    context: { operation?: string; status?: number; closeCode?: number; requestId?: string; cause?: unknown } = {},
  ): MultiverseError {
    return new MultiverseError({ kind: "network", message, ...context });
  }
}

/** True for a `MultiverseError` (also one from another copy of the SDK). */
export function isMultiverseError(err: unknown): err is MultiverseError {
  return err instanceof MultiverseError || (err instanceof Error && err.name === "MultiverseError" && "kind" in err);
}
