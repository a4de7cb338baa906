import type { ErrorRequestHandler } from "express";
import { ErrorCode } from "../errors/errors.ts";
import type { Logger } from "../observability/logger.ts";

/**
 * The last Express handler: a body that is not JSON, or too large, is the client's mistake
 * (400/413, BAD_USER_INPUT); anything else is logged and masked. Always GraphQL-shaped JSON.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: { type?: string; status?: number; expose?: boolean; message?: string }, _req, res, _next) => {
    const requestId = res.locals["requestId"] as string | undefined;
    let status = 500;
    let message = "Internal server error";
    let code: string = ErrorCode.Internal;
    if (err.type === "entity.parse.failed") {
      [status, message, code] = [400, "The request body is not valid JSON", ErrorCode.BadUserInput];
    } else if (err.type === "entity.too.large") {
      [status, message, code] = [413, "The request body is too large", ErrorCode.BadUserInput];
    } else if (err.expose && err.status && err.status >= 400 && err.status < 500) {
      // body-parser's other refusals (charset, encoding, …): safe messages about the request.
      [status, message, code] = [err.status, err.message ?? "Bad request", ErrorCode.BadUserInput];
    } else {
      logger.error({ requestId, err }, "unexpected error in an HTTP request");
    }
    res.status(status).json({ errors: [{ message, extensions: { code, ...(status === 500 ? { requestId } : {}) } }] });
  };
}
