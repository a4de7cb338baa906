import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { execute, subscribe, type GraphQLError, type ExecutionArgs } from "graphql";
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { bearerCredential } from "../auth/authenticate.ts";
import { apiError, ErrorCode } from "../errors/errors.ts";
import { SLOW_CONSUMER_REASON, type Context } from "../graphql/context.ts";
import { subscriptionSink } from "../graphql/subscription-sink.ts";
import type { RequestPipeline } from "../graphql/pipeline.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Tracing } from "../observability/tracing.ts";
import { traceOperation } from "./trace-requests.ts";
import { CloseCode } from "../../../../sdk/src/protocol.ts";
import { quotaExceeded } from "../quotas/game-quotas.ts";
import { ConnectionSession, gameOf, openRefusal, sessionDeps } from "../realtime/connection-session.ts";
import type { Services } from "../services.ts";

/**
 * The `next` frames of a shared payload, encoded once per subscription id: a fan-out sends one
 * payload to many sockets in a row, and clients mostly number their subscriptions alike ("1"),
 * so most sockets get the same bytes. Holds the frames of the last payload only, for at most
 * MAX_FRAME_IDS ids (clients that number subscriptions with random ids share nothing).
 */
const MAX_FRAME_IDS = 64;

class NextFrames {
  #payload: string | undefined;
  readonly #byId = new Map<string, Buffer>();

  next(id: string, payload: string): Buffer {
    if (payload !== this.#payload) {
      this.#payload = payload;
      this.#byId.clear();
    }
    let frame = this.#byId.get(id);
    if (!frame) {
      frame = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
      if (this.#byId.size < MAX_FRAME_IDS) this.#byId.set(id, frame);
    }
    return frame;
  }
}

/** What we keep on each socket (graphql-ws's `extra`). */
type Extra = { session?: ConnectionSession; connectionId?: string };

/** The credential in `connectionParams`: `{ authorization: "Bearer …" }` or `{ token: "…" }`. */
function credentialOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const authorization = params?.["authorization"] ?? params?.["Authorization"];
  if (typeof authorization === "string") return bearerCredential(authorization);
  const token = params?.["token"];
  return typeof token === "string" && token !== "" ? token : undefined;
}

/**
 * The WebSocket transport: graphql-ws on the same port and path as HTTP (`/graphql`). Only
 * socket concerns live here; the request pipeline authenticates, builds contexts, applies the
 * limits and masks errors, and a ConnectionSession holds what the connection holds (presence,
 * the credential watch, its subscriptions). A missing or bad credential closes the socket with
 * 4403; a dependency away for a moment (Postgres, the pool, presence) or the game's connections
 * quota full, with 1013; a frame larger than an HTTP body closes it with 1009; a subscription refused on its own (BAD_USER_INPUT, RATE_LIMITED) leaves the connection
 * open. A connection holds at most `MAX_SUBSCRIPTIONS_PER_CONNECTION`; one whose unsent bytes
 * pass `MAX_SOCKET_BUFFER_BYTES` is closed as a slow consumer (4010).
 */
export function attachWebSocket(
  httpServer: Server,
  pipeline: RequestPipeline,
  services: Services,
  metrics: Metrics,
  tracing: Tracing,
): { close(graceMs: number): Promise<void> } {
  const { config, logger } = services;
  // A frame may be as large as an HTTP body, no larger: ws closes a bigger one with 1009 before
  // reading it whole (its own default, 100 MiB, would be read and parsed first).
  const frames = new NextFrames();
  const deps = sessionDeps(services, metrics);
  const wss = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: config.maxRequestBytes });

  // ws closes a socket on a client's protocol fault (a frame over maxPayload, a malformed frame:
  // 1009, 1002 …) and then emits "error", which graphql-ws prints to stderr as multi-line text.
  // One JSON log line instead; any other socket error ends the socket the same way.
  wss.on("connection", (socket) => {
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== "error") return emit(event, ...args);
      const err = args[0] as (Error & { code?: string }) | undefined;
      logger.warn({ code: err?.code, reason: err?.message }, "websocket: connection closed on a protocol error");
      if (socket.readyState === socket.OPEN) socket.terminate();
      return true;
    }) as typeof socket.emit;
  });

  // With tracing on, each operation runs in a span of its own (http/trace-requests.ts).
  const traced =
    (run: typeof execute | typeof subscribe) =>
    (args: ExecutionArgs): ReturnType<typeof run> =>
      traceOperation(tracing, args, (args.contextValue as Context).requestId, () => run(args));
  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      schema: pipeline.schema,
      ...(tracing.enabled ? { execute: traced(execute), subscribe: traced(subscribe) } : {}),
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const endSocket = (code: number, reason: string) => {
          if (socket.readyState === socket.OPEN) socket.close(code, reason);
        };
        // Created before the first await, so a close that comes meanwhile reaches it (onClose).
        const session = new ConnectionSession(deps, endSocket);
        ctx.extra.session = session;
        ctx.extra.connectionId = randomUUID();
        let principal;
        try {
          principal = await pipeline.principal(credentialOf(ctx.connectionParams), ctx.extra.connectionId);
        } catch (err) {
          // A dependency away for a moment is worth a retry (1013); a refused credential is not (4403).
          const retry = (err as GraphQLError).extensions?.["code"] === ErrorCode.ServiceUnavailable;
          endSocket(retry ? CloseCode.TryAgain : CloseCode.Forbidden, (err as GraphQLError).message.slice(0, 120));
          return false;
        }
        if (principal.kind === "anonymous") {
          endSocket(CloseCode.Forbidden, "Sign in: send connectionParams { authorization: 'Bearer …' }");
          return false;
        }
        try {
          return await session.open(principal);
        } catch (err) {
          const refused = openRefusal(err);
          if (refused) {
            if (refused.dependency) {
              logger.warn(
                { requestId: ctx.extra.connectionId, err },
                "websocket: could not open: a dependency is unavailable",
              );
            }
            endSocket(CloseCode.TryAgain, refused.reason);
          } else {
            // graphql-ws would close with the error's own message and print its stack to stderr.
            logger.error({ requestId: ctx.extra.connectionId, err }, "websocket: unexpected error while opening");
            endSocket(CloseCode.InternalServerError, "Internal server error");
          }
          return false;
        }
      },
      // graphql-ws calls onClose for every socket, acknowledged or not (onDisconnect only for
      // acknowledged ones), so a socket that closes mid-connect is given back too.
      onClose: (ctx) => ctx.extra.session?.close(),
      onSubscribe: (ctx, id, payload): ExecutionArgs | readonly GraphQLError[] => {
        const { session, connectionId } = ctx.extra;
        const prepared = pipeline.prepare(payload);
        if ("errors" in prepared) return prepared.errors;
        const refused = session?.principal ? session.subscribe(id) : "connection";
        if (refused === "connection" || !session?.principal) {
          return [
            apiError(
              ErrorCode.RateLimited,
              `At most ${config.maxSubscriptionsPerConnection} subscriptions per connection: complete one first`,
            ),
          ];
        }
        if (refused === "game") {
          // Only a game's or a player's connection counts against a game's quota.
          const gameId = gameOf(session.principal)!;
          return [quotaExceeded(gameId, "subscriptions", session.gameSubscriptionsQuota, "subscriptions on this node")];
        }
        const contextValue = pipeline.context(session.principal, connectionId!, session);
        const args: ExecutionArgs = {
          schema: pipeline.schema,
          document: prepared.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
        // A source that shares its payloads sends them through this sink, framed as graphql-ws
        // frames a `next` message, with the slow-consumer check graphql-ws's path makes in onNext.
        const socket = ctx.extra.socket;
        contextValue.sink = subscriptionSink(
          args,
          (errors) => pipeline.mask(errors, connectionId),
          (json) => {
            if (socket.readyState !== socket.OPEN) return;
            socket.send(frames.next(id, json), { binary: false });
            if (socket.bufferedAmount > config.maxSocketBufferBytes) session.closeSlowConsumer(SLOW_CONSUMER_REASON);
          },
        );
        return args;
      },
      onComplete: (ctx, id) => ctx.extra.session?.unsubscribe(id),
      onNext: (ctx, _id, _payload, _args, result) => {
        if (ctx.extra.socket.bufferedAmount > config.maxSocketBufferBytes) {
          ctx.extra.session?.closeSlowConsumer(SLOW_CONSUMER_REASON);
        }
        return result.errors ? { ...result, errors: pipeline.mask(result.errors, ctx.extra.connectionId) } : undefined;
      },
      onError: (ctx, id, _payload, errors) => {
        ctx.extra.session?.unsubscribe(id);
        return pipeline.mask(errors, ctx.extra.connectionId);
      },
    },
    wss,
    // A ping this often; a client that has not answered it as long after is dropped.
    config.websocketKeepAliveSeconds * 1000,
  );
  // useServer's own choice answers a client offering only another subprotocol (the old
  // subscriptions-transport-ws `graphql-ws`) with none, so the client aborts the handshake and
  // sees 1006. Accept the client's first offer instead: graphql-ws then closes the connection
  // with 4406 (subprotocol not acceptable), which the client can read.
  wss.options.handleProtocols = (protocols) =>
    protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL)
      ? GRAPHQL_TRANSPORT_WS_PROTOCOL
      : (protocols.values().next().value ?? false);

  return {
    async close(graceMs) {
      // Every client is told to go elsewhere (1001) and no new one is taken (dispose stops the
      // server in the same turn). One that does not finish the close handshake in time (it
      // stopped reading, say) is cut, so a stalled client cannot hold the shutdown up.
      for (const client of wss.clients) client.close(CloseCode.GoingAway, "Server shutting down");
      const cut = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, graceMs);
      try {
        await disposable.dispose();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
