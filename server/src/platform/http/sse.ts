import type { ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { ExecutionArgs, GraphQLError } from "graphql";
import { createHandler, isAsyncIterable, type OperationContext, type Request as SseRequest } from "graphql-sse";
import type { Principal } from "../auth/principal.ts";
import { bearerCredential } from "../auth/authenticate.ts";
import { apiError, ErrorCode, serviceUnavailable } from "../errors/errors.ts";
import { formatError } from "../errors/format-error.ts";
import { SLOW_CONSUMER_REASON } from "../graphql/context.ts";
import type { RequestPipeline } from "../graphql/pipeline.ts";
import type { Metrics } from "../observability/metrics.ts";
import { CloseCode } from "../../../../sdk/src/protocol.ts";
import { quotaExceeded } from "../quotas/game-quotas.ts";
import { ConnectionSession, gameOf, openRefusal, sessionDeps } from "../realtime/connection-session.ts";
import type { Services } from "../services.ts";

/** The one subscription of a stream (distinct connections mode: one operation per request). */
const OPERATION_ID = "sse";

/** How long an ended stream's client has to read its last event before the socket is cut (ws's close timeout). */
const END_GRACE_MS = 30_000;

/** What we keep on each request (graphql-sse's `req.context`). */
interface Stream {
  requestId: string;
  res: ServerResponse;
  principal?: Principal;
  session?: ConnectionSession;
  /** The server ended it before its headers went out (the credential ended meanwhile). */
  endedEarly?: { code: number; reason: string };
  /** Calls waiting for everything written to have gone to the socket (`flushed`). */
  flushWaiters: Array<() => void>;
}

/** Resolves once everything written on `stream` went out to the socket, or the stream ended. */
function flushed(stream: Stream): Promise<void> {
  const { res } = stream;
  if (res.writableLength === 0 || res.writableEnded || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.flushWaiters.push(resolve));
}

/**
 * `source`, one item at a time: the next is taken once the last one's event went out to the
 * socket, as graphql-ws waits for each send. graphql-sse takes a source's items as fast as they
 * come and keeps what it has not sent without bound; paced, what a client has not read stays
 * in the source's bounded queue, whose overflow ends the stream as a slow consumer (4010), and
 * a burst (a replay) goes out at the socket's pace rather than into memory.
 */
async function* paced<T>(source: AsyncIterable<T>, stream: Stream): AsyncGenerator<T> {
  for await (const item of source) {
    yield item;
    // graphql-sse formats and hands the item on in microtasks: written once this runs.
    await new Promise((resolve) => setImmediate(resolve));
    await flushed(stream);
  }
}

/** True for a request that asks for an event stream (GraphQL over SSE) rather than JSON. */
export const acceptsEventStream = (accept: string | undefined): boolean =>
  accept?.split(",").some((type) => type.trim().split(";")[0] === "text/event-stream") ?? false;

/** A refusal before the stream opens: an HTTP status and a GraphQL-over-HTTP error body, as Apollo answers. */
function refusal(status: number, error: GraphQLError) {
  return [
    JSON.stringify({ errors: [formatError(error.toJSON(), error)] }),
    {
      status,
      statusText: status === 401 ? "Unauthorized" : "Service Unavailable",
      headers: { "content-type": "application/json; charset=utf-8" },
    },
  ] as const;
}

/**
 * The last event of a stream the server ends (the credential ended, a slow consumer, the node
 * going away): a `next` whose error carries the WebSocket close code the same cause has there
 * (`extensions.closeCode`, see sdk/src/protocol.ts), and no `complete`, so graphql-sse clients
 * see the stream break and reconnect (the SDK reads the code).
 */
export function endEvent(code: number, reason: string): string {
  const errorCode = code === CloseCode.CredentialEnded ? ErrorCode.Unauthenticated : ErrorCode.ServiceUnavailable;
  const payload = { errors: [{ message: reason, extensions: { code: errorCode, closeCode: code } }] };
  return `event: next\ndata: ${JSON.stringify(payload)}\n\n`;
}

/**
 * Subscriptions over Server-Sent Events: graphql-sse in its "distinct connections mode" on the
 * same path as HTTP and WebSocket (`/graphql`), for requests that accept `text/event-stream`
 * (one subscription per request, POST or GET). For clients behind proxies that drop WebSockets.
 *
 * The same pipeline as the WebSocket transport: the credential (`Authorization: Bearer …`) goes
 * through `principal()` (refused: 401 before the stream opens, 503 when a dependency is away),
 * the document through `prepare()` (limits; refused: a `next` with the errors, then `complete`),
 * errors through `mask()`. Each stream holds a ConnectionSession, so a player's stream makes it
 * online, counts against its game's connection and subscription quotas, and ends when its
 * credential ends (4011). A stream whose unsent bytes pass `MAX_SOCKET_BUFFER_BYTES` is ended
 * as a slow consumer (4010). How a stream ends is in `endEvent`.
 */
export function sseTransport(
  pipeline: RequestPipeline,
  services: Services,
  metrics: Metrics,
): { handle: RequestHandler; close(): void } {
  const { config } = services;
  const deps = sessionDeps(services, metrics);
  const open = new Set<Stream>();

  // graphql-sse's Context type wants an index signature; ours is an interface.
  const handler = createHandler<Stream["res"]["req"], Stream, OperationContext>({
    schema: pipeline.schema,
    // prepare() has validated the document already (graphql's rules and ours).
    validate: () => [],
    // null: no reservation tokens, so every request is its own stream (distinct connections mode).
    authenticate: async (req: SseRequest<unknown, Stream>) => {
      const stream = req.context;
      try {
        stream.principal = await pipeline.principal(
          bearerCredential(req.headers.get("authorization") ?? undefined),
          stream.requestId,
        );
      } catch (err) {
        const code = (err as GraphQLError).extensions?.["code"];
        return refusal(code === ErrorCode.ServiceUnavailable ? 503 : 401, err as GraphQLError);
      }
      if (stream.principal.kind === "anonymous") {
        return refusal(401, apiError(ErrorCode.Unauthenticated, "Sign in: send `Authorization: Bearer …`"));
      }
      return null;
    },
    onConnect: async (req: SseRequest<unknown, Stream>) => {
      const stream = req.context;
      const session = new ConnectionSession(deps, (code, reason) => end(stream, code, reason));
      stream.session = session;
      try {
        if (await session.open(stream.principal!)) return;
        return refusal(503, serviceUnavailable("The stream closed while it opened"));
      } catch (err) {
        const refused = openRefusal(err);
        if (!refused) throw err;
        if (refused.dependency) {
          services.logger.warn(
            { requestId: stream.requestId, err },
            "sse: could not open: a dependency is unavailable",
          );
        }
        return refusal(503, serviceUnavailable(refused.reason));
      }
    },
    onSubscribe: (req: SseRequest<unknown, Stream>, params) => {
      const { session, requestId } = req.context;
      const prepared = pipeline.prepare(params);
      // A result (graphql-sse sends it as a `next`, then `complete`): `data: null` marks it as one.
      if ("errors" in prepared) return { data: null, errors: prepared.errors };
      if (session!.subscribe(OPERATION_ID) === "game") {
        const gameId = gameOf(session!.principal)!;
        return {
          data: null,
          errors: [
            quotaExceeded(gameId, "subscriptions", session!.gameSubscriptionsQuota, "subscriptions on this node"),
          ],
        };
      }
      const args: ExecutionArgs = {
        schema: pipeline.schema,
        document: prepared.document,
        operationName: params.operationName,
        variableValues: params.variables,
        contextValue: pipeline.context(session!.principal!, requestId, session),
      };
      return args as ExecutionArgs & { contextValue: OperationContext };
    },
    onOperation: (_ctx, req: SseRequest<unknown, Stream>, _args, result) =>
      isAsyncIterable(result) ? paced(result, req.context) : undefined,
    onNext: (_ctx, req: SseRequest<unknown, Stream>, result) => {
      if (!result.errors) return;
      // Raised by graphql-js or returned by onSubscribe: GraphQLErrors either way, masked here.
      return { ...result, errors: pipeline.mask(result.errors, req.context.requestId) as never };
    },
    onComplete: (_ctx, req: SseRequest<unknown, Stream>) => req.context.session?.unsubscribe(OPERATION_ID),
  });

  /** Ends a stream from the server's side: its last event says why (`endEvent`). */
  function end(stream: Stream, code: number, reason: string): void {
    const { res } = stream;
    if (res.writableEnded || res.destroyed) return;
    if (!res.headersSent) {
      stream.endedEarly ??= { code, reason };
      return;
    }
    res.end(endEvent(code, reason));
    // What it held goes back now (a second slow-consumer check finds it closed); a client that
    // does not read the end within the grace a WebSocket close gets is cut.
    void stream.session?.close();
    setTimeout(() => res.destroy(), END_GRACE_MS).unref();
  }

  const handle: RequestHandler = async (req, res, next) => {
    if (!acceptsEventStream(req.headers.accept)) return next();
    const stream: Stream = { requestId: res.locals["requestId"] as string, res, flushWaiters: [] };
    const wake = () => {
      if (res.writableLength === 0 || res.destroyed) for (const resolve of stream.flushWaiters.splice(0)) resolve();
    };
    let response;
    try {
      response = await handler({
        method: req.method,
        url: req.originalUrl,
        headers: {
          // graphql-sse streams only for an exact `text/event-stream`; a browser may add others.
          get: (key) => (key === "accept" ? "text/event-stream" : req.header(key)),
        },
        body: (req.body as Record<string, unknown> | undefined) ?? null,
        raw: req,
        context: stream,
      });
    } catch (err) {
      void stream.session?.close();
      return next(err);
    }
    const [body, init] = response;
    if (!body || typeof body === "string") {
      void stream.session?.close();
      res.writeHead(init.status, init.statusText, init.headers).end(body ?? undefined);
      return;
    }
    // Proxies that buffer responses (nginx) would hold the events back.
    res.writeHead(init.status, init.statusText, { ...init.headers, "x-accel-buffering": "no" });
    open.add(stream);
    if (stream.endedEarly) end(stream, stream.endedEarly.code, stream.endedEarly.reason);
    res.once("close", () => {
      open.delete(stream);
      wake();
      void body.return(undefined);
      void stream.session?.close();
    });
    try {
      for await (const chunk of body) {
        if (res.writableEnded || res.destroyed) break;
        res.write(chunk, wake);
        // Unsent bytes, the response's and its socket's: a client that stopped reading.
        if (res.writableLength > config.maxSocketBufferBytes) stream.session?.closeSlowConsumer(SLOW_CONSUMER_REASON);
      }
    } catch (err) {
      services.logger.error({ requestId: stream.requestId, err }, "sse: a stream failed");
    }
    if (!res.writableEnded) res.end();
    void stream.session?.close();
  };

  return {
    handle,
    close() {
      // Every stream is told to go elsewhere (its client reconnects to another node).
      for (const stream of [...open]) end(stream, CloseCode.GoingAway, "Server shutting down");
    },
  };
}
