import type { RequestHandler } from "express";
import { formatError } from "../errors/format-error.ts";
import { RETRY_AFTER_MS, serviceUnavailable } from "../errors/errors.ts";
import type { Logger } from "../observability/logger.ts";

/** Where a stopping node is: while `stopping`, it takes no new work. */
export class ShutdownState {
  stopping = false;
}

/**
 * Refuses a new GraphQL request on a stopping node: 503 SERVICE_UNAVAILABLE with
 * `retryAfterMs` (a retry reaches another node), `Connection: close` so the client's next
 * request opens a new connection (through the load balancer, elsewhere). Requests already
 * running finish.
 */
export function refuseWhileStopping(state: ShutdownState): RequestHandler {
  return (_req, res, next) => {
    if (!state.stopping) return next();
    const error = serviceUnavailable("This node is shutting down: retry after retryAfterMs (another node answers)");
    res
      .status(503)
      .set("connection", "close")
      .set("retry-after", String(Math.ceil(RETRY_AFTER_MS / 1000)))
      .json({ errors: [formatError(error.toJSON(), error)] });
  };
}

/**
 * `work`, given at most `ms`: what is not done by then is left (the node is going away
 * anyway), with a warning naming `what`. Never throws: a failure is logged the same way.
 */
export async function bounded(ms: number, what: string, work: Promise<unknown>, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  try {
    const outcome = await Promise.race([work.then(() => "done" as const), late]);
    if (outcome === "late") logger.warn({ step: what, ms: Math.round(ms) }, "shutdown: a step ran out of time; left");
  } catch (err) {
    logger.warn({ err, step: what }, "shutdown: a step failed; left");
  } finally {
    clearTimeout(timer);
  }
}
