import { GraphQLError } from "graphql";

/** The fixed set of `extensions.code` values a client can receive. */
export const ErrorCode = {
  BadUserInput: "BAD_USER_INPUT",
  Unauthenticated: "UNAUTHENTICATED",
  Forbidden: "FORBIDDEN",
  NotFound: "NOT_FOUND",
  Conflict: "CONFLICT",
  RateLimited: "RATE_LIMITED",
  /** A dependency (Postgres, Redis) is unavailable for a moment: retry after `retryAfterMs`. */
  ServiceUnavailable: "SERVICE_UNAVAILABLE",
  Internal: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const PUBLIC_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, SERVICE_UNAVAILABLE: 503 };

/** How long a client should wait before retrying after SERVICE_UNAVAILABLE. */
export const RETRY_AFTER_MS = 1000;

/** An expected failure: its message and code reach the client as they are. */
export function apiError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...extra, ...(status ? { http: { status } } : {}) },
  });
}

export const badInput = (message: string, field?: string): GraphQLError =>
  apiError(ErrorCode.BadUserInput, message, field ? { field } : {});
export const unauthenticated = (
  message = "Sign in: send a valid credential as `Authorization: Bearer …`",
): GraphQLError => apiError(ErrorCode.Unauthenticated, message);
export const forbidden = (message: string): GraphQLError => apiError(ErrorCode.Forbidden, message);
export const notFound = (what: string, id: string): GraphQLError =>
  apiError(ErrorCode.NotFound, `${what} "${id}" was not found`);
export const conflict = (message: string): GraphQLError => apiError(ErrorCode.Conflict, message);
export const serviceUnavailable = (
  message = "The service is unavailable for a moment: retry after retryAfterMs",
): GraphQLError => apiError(ErrorCode.ServiceUnavailable, message, { retryAfterMs: RETRY_AFTER_MS });
