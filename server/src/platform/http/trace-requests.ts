import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from "@opentelemetry/semantic-conventions";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { getOperationAST, type ExecutionArgs } from "graphql";
import {
  ATTR_GRAPHQL_OPERATION_NAME,
  ATTR_GRAPHQL_OPERATION_TYPE,
  ATTR_REQUEST_ID,
  type Tracing,
} from "../observability/tracing.ts";

/**
 * Each traced request's context, for the spans started further down the chain: middleware that
 * reads the body (express.json) calls `next` from the socket's stream events, outside it.
 */
const requestContexts = new WeakMap<Request, Context>();

/** Runs the rest of the request inside `span`, a child of `parent`; the span ends when the response is sent (or dropped). */
function within(span: Span, parent: Context, req: Request, res: Response, next: NextFunction): void {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  res.on("finish", end);
  res.on("close", end);
  const inside = trace.setSpan(parent, span);
  requestContexts.set(req, inside);
  context.with(inside, next);
}

/**
 * One SERVER span per HTTP request, continuing the caller's W3C `traceparent` when it sent one,
 * with the request id (after `requestId`); everything the request does runs inside it. `route`
 * names the route (the metrics' label), never the raw path; the routes in `untraced` (probes,
 * scrapes) start no trace.
 */
export function traceRequests(
  tracing: Tracing,
  route: (req: Request) => string,
  untraced: readonly string[] = [],
): RequestHandler {
  return (req, res, next) => {
    const label = route(req);
    if (untraced.includes(label)) {
      next();
      return;
    }
    const parent = tracing.extract(req.headers);
    const span = tracing.tracer.startSpan(
      `${req.method} ${label}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: req.method,
          [ATTR_HTTP_ROUTE]: label,
          [ATTR_URL_PATH]: req.path,
          [ATTR_REQUEST_ID]: res.locals["requestId"] as string,
        },
      },
      parent,
    );
    res.on("finish", () => span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode));
    within(span, parent, req, res, next);
  };
}

/**
 * The span of one GraphQL operation over HTTP, inside the request's: its resolvers' Prisma and
 * Redis calls are its children. Named after the body's `operationName` here; the observe plugin
 * adds the operation's type once the document is parsed.
 */
export function traceGraphQL(tracing: Tracing): RequestHandler {
  return (req, res, next) => {
    const body = req.body as { operationName?: unknown } | undefined;
    const operationName = typeof body?.operationName === "string" ? body.operationName : undefined;
    const parent = requestContexts.get(req) ?? context.active();
    const span = tracing.tracer.startSpan(
      `graphql ${operationName ?? "anonymous"}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR_REQUEST_ID]: res.locals["requestId"] as string,
          ...(operationName ? { [ATTR_GRAPHQL_OPERATION_NAME]: operationName } : {}),
        },
      },
      parent,
    );
    within(span, parent, req, res, next);
  };
}

/**
 * `run` (graphql's `execute` or `subscribe` for one WebSocket operation) in a SERVER span of its
 * own: a WebSocket message carries no `traceparent`, so each operation starts a trace. For a
 * subscription the span covers setting it up (authorization, a replay's first page), not the
 * events it sends afterwards. `requestId` is the connection's id, as the logs name it.
 */
export function traceOperation<T>(tracing: Tracing, args: ExecutionArgs, requestId: string, run: () => T): T {
  const type = getOperationAST(args.document, args.operationName)?.operation ?? "unknown";
  const name = args.operationName ?? undefined;
  return tracing.tracer.startActiveSpan(
    `${type} ${name ?? "anonymous"}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_GRAPHQL_OPERATION_TYPE]: type,
        [ATTR_REQUEST_ID]: requestId,
        ...(name ? { [ATTR_GRAPHQL_OPERATION_NAME]: name } : {}),
      },
    },
    (span) => {
      const failed = (message: string) => span.setStatus({ code: SpanStatusCode.ERROR, message });
      let result: T;
      try {
        result = run();
      } catch (err) {
        failed((err as Error).message);
        span.end();
        throw err;
      }
      void Promise.resolve(result).then(
        (r) => {
          const errors = (r as { errors?: readonly { message: string }[] } | undefined)?.errors;
          if (errors?.length) failed(errors[0]!.message);
          span.end();
        },
        (err: unknown) => {
          failed((err as Error).message);
          span.end();
        },
      );
      return result;
    },
  );
}
