import type { GraphQLFormattedError } from "graphql";
import { ErrorCode, PUBLIC_CODES, RETRY_AFTER_MS } from "./errors.ts";
import { isTransient } from "./transient.ts";

/** Apollo's codes for a request it could not run at all; clients see them as BAD_USER_INPUT. */
const DOCUMENT_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/** The extensions a client may see besides `code`. */
const PUBLIC_EXTENSIONS = ["field", "problems", "reason", "retryAfterMs", "prunedSeq", "quota", "limit"] as const;

/** True when an error is expected (a public code other than INTERNAL_SERVER_ERROR). */
export function isExpected(code: unknown): boolean {
  return (
    typeof code === "string" && (DOCUMENT_CODES.has(code) || (PUBLIC_CODES.has(code) && code !== ErrorCode.Internal))
  );
}

/**
 * Apollo's `formatError`: expected errors keep their message and code (document errors become
 * BAD_USER_INPUT with the original code as `reason`); anything else is masked as
 * INTERNAL_SERVER_ERROR. Stacks and other extensions never reach the client.
 */
export function formatError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.["code"];
  if (!isExpected(code) && isTransient(error)) {
    // A dependency away for a moment: say so, so the client retries (never a stack or detail).
    return {
      message: "The service is unavailable for a moment: retry after retryAfterMs",
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.ServiceUnavailable, retryAfterMs: RETRY_AFTER_MS },
    };
  }
  if (!isExpected(code)) {
    const requestId = formatted.extensions?.["requestId"];
    return {
      message: "Internal server error",
      extensions: { code: ErrorCode.Internal, ...(requestId ? { requestId } : {}) },
    };
  }
  // Apollo re-wraps validation errors under its own code; our rules' extensions are underneath.
  const original = (error as { originalError?: { extensions?: Record<string, unknown> } } | undefined)?.originalError;
  const own = { ...original?.extensions, ...formatted.extensions };
  const extensions: Record<string, unknown> = DOCUMENT_CODES.has(code as string)
    ? { code: ErrorCode.BadUserInput, reason: own["reason"] ?? code }
    : { code };
  for (const key of PUBLIC_EXTENSIONS) {
    const value = own[key];
    if (value !== undefined && extensions[key] === undefined) extensions[key] = value;
  }
  return {
    message: formatted.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions,
  };
}
