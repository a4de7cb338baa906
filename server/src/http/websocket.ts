import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { GraphQLError, parse, specifiedRules, validate, type ExecutionArgs, type GraphQLSchema } from "graphql";
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { authenticate, bearerCredential } from "../auth/authenticate.ts";
import type { Principal } from "../auth/principal.ts";
import { apiError, ErrorCode } from "../errors/errors.ts";
import { formatError } from "../errors/format-error.ts";
import type { Context } from "../graphql/context.ts";
import { createLoaders } from "../graphql/loaders.ts";
import { maxDepthRule } from "../graphql/max-depth.rule.ts";
import { costRefusal } from "../graphql/query-cost.plugin.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { CloseCode } from "../realtime/close-codes.ts";
import type { Services } from "../services.ts";

/** What we keep on each connection (graphql-ws's `extra`). */
type Connection = {
  principal?: Principal;
  connectionId?: string;
  /** Ids of the subscriptions running on it. */
  active?: Set<string>;
  /** Stops the credential watch (see CredentialWatch). */
  unwatch?: () => void;
};

/** The credential in `connectionParams`: `{ authorization: "Bearer …" }` or `{ token: "…" }`. */
function credentialOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const authorization = params?.["authorization"] ?? params?.["Authorization"];
  if (typeof authorization === "string") return bearerCredential(authorization);
  const token = params?.["token"];
  return typeof token === "string" && token !== "" ? token : undefined;
}

/** A refusal of the document itself, as over HTTP: BAD_USER_INPUT with the reason. */
const documentError = (e: GraphQLError, reason: string) =>
  new GraphQLError(e.message, {
    nodes: e.nodes,
    extensions: { code: ErrorCode.BadUserInput, reason, ...e.extensions },
  });

/**
 * Errors for the client, masked like HTTP's. An error with no code and no original error was
 * raised by graphql-js about the request itself (a variable that does not fit its type, an
 * operationName that names nothing): BAD_USER_INPUT, as Apollo answers over HTTP. Anything
 * else without a code is unexpected: logged with the connection id, and masked.
 */
function format(errors: readonly GraphQLError[], logger: Logger, connectionId: string | undefined) {
  return errors.map((e) => {
    const code = e.extensions?.["code"];
    if (!code && !e.originalError) return formatError(documentError(e, "BAD_USER_INPUT").toJSON());
    if (!code) logger.error({ requestId: connectionId, err: e.originalError ?? e }, "subscription error");
    return formatError(e.toJSON(), e);
  });
}

/**
 * GraphQL subscriptions over graphql-ws on the same port and path as HTTP (`/graphql`). The
 * credential is checked at connect; a missing or bad one closes the socket with 4403. One that
 * stops being valid later (an expired player token, a rotated key, an unregistered game) ends
 * the connection with 4011 (CredentialWatch).
 * Each subscription is parsed, validated (depth included) and costed like an HTTP request, and
 * refused on its own (BAD_USER_INPUT) without closing the connection. A connection holds at
 * most `MAX_SUBSCRIPTIONS_PER_CONNECTION`; one whose unsent bytes pass
 * `MAX_SOCKET_BUFFER_BYTES` is closed as a slow consumer (4010).
 */
export function attachWebSocket(
  httpServer: Server,
  schema: GraphQLSchema,
  services: Services,
  metrics: Metrics,
): { close(): Promise<void> } {
  const { config, logger } = services;
  const wss = new WebSocketServer({ server: httpServer, path: "/graphql" });
  const rules = [...specifiedRules, maxDepthRule(config.maxQueryDepth)];
  const release = (c: Connection, id: string) => {
    if (c.active?.delete(id)) metrics.subscriptions.dec();
  };

  const disposable = useServer<Record<string, unknown>, Connection>(
    {
      schema,
      onConnect: async (ctx) => {
        let principal: Principal;
        try {
          principal = await authenticate(credentialOf(ctx.connectionParams), {
            prisma: services.prisma,
            adminToken: services.adminToken,
            playerTokens: services.playerTokens,
          });
        } catch (err) {
          const reason = err instanceof GraphQLError ? err.message : "Internal server error";
          if (!(err instanceof GraphQLError))
            logger.error({ err }, "unexpected error while authenticating a WebSocket");
          ctx.extra.socket.close(CloseCode.Forbidden, reason.slice(0, 120));
          return false;
        }
        if (principal.kind === "anonymous") {
          ctx.extra.socket.close(CloseCode.Forbidden, "Sign in: send connectionParams { authorization: 'Bearer …' }");
          return false;
        }
        // A player is online while a connection holding its token is open.
        if (principal.kind === "player") {
          try {
            await services.realtime.presence.connected(principal.gameId, principal.playerId);
          } catch (err) {
            // Not acknowledged, so onDisconnect will not run: undo here, or it stays online.
            logger.error({ err }, "presence: a connection could not be recorded");
            await services.realtime.presence.disconnected(principal.gameId, principal.playerId).catch(() => undefined);
            ctx.extra.socket.close(CloseCode.TryAgain, "Presence is unavailable: try again shortly");
            return false;
          }
        }
        ctx.extra.principal = principal;
        ctx.extra.connectionId = randomUUID();
        ctx.extra.active = new Set();
        // Ended (4011) when the credential stops being valid while the connection is open.
        const socket = ctx.extra.socket;
        ctx.extra.unwatch = services.realtime.credentials.watch({
          principal,
          close: (code, reason) => {
            if (socket.readyState === socket.OPEN) socket.close(code, reason);
          },
        });
        metrics.connections.inc();
        return true;
      },
      onClose: (ctx) => ctx.extra.unwatch?.(),
      onDisconnect: async (ctx) => {
        metrics.connections.dec();
        for (const id of [...(ctx.extra.active ?? [])]) release(ctx.extra, id);
        const p = ctx.extra.principal;
        if (p?.kind === "player") {
          await services.realtime.presence
            .disconnected(p.gameId, p.playerId)
            .catch((err: unknown) => logger.warn({ err }, "presence: disconnect not recorded"));
        }
      },
      onSubscribe: (ctx, id, payload): ExecutionArgs | readonly GraphQLError[] => {
        const c = ctx.extra;
        let document;
        try {
          document = parse(payload.query, { maxTokens: config.maxQueryTokens });
        } catch (err) {
          if (err instanceof GraphQLError) return [documentError(err, "GRAPHQL_PARSE_FAILED")];
          throw err;
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) {
          return invalid.map((e) =>
            documentError(e, (e.extensions?.["reason"] as string) ?? "GRAPHQL_VALIDATION_FAILED"),
          );
        }
        const refusal = costRefusal(schema, document, payload.operationName, payload.variables, config.maxQueryCost);
        if (refusal) return [refusal];
        if ((c.active?.size ?? 0) >= config.maxSubscriptionsPerConnection) {
          return [
            apiError(
              ErrorCode.RateLimited,
              `At most ${config.maxSubscriptionsPerConnection} subscriptions per connection: complete one first`,
            ),
          ];
        }
        c.active?.add(id);
        metrics.subscriptions.inc();
        const contextValue: Context = {
          requestId: c.connectionId!,
          principal: c.principal!,
          services,
          loaders: createLoaders(services.prisma, services.realtime.presence),
          connection: {
            close: (code, reason) => {
              const socket = ctx.extra.socket;
              if (socket.readyState !== socket.OPEN) return;
              if (code === CloseCode.SlowConsumer) metrics.slowConsumers.inc();
              socket.close(code, reason);
            },
          },
        };
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      onComplete: (ctx, id) => release(ctx.extra, id),
      onNext: (ctx, _id, _payload, _args, result) => {
        if (ctx.extra.socket.bufferedAmount > config.maxSocketBufferBytes) {
          ctx.extra.socket.close(
            CloseCode.SlowConsumer,
            "Slow consumer: resubscribe with since = the last seq you received",
          );
          metrics.slowConsumers.inc();
        }
        return result.errors ? { ...result, errors: format(result.errors, logger, ctx.extra.connectionId) } : undefined;
      },
      onError: (ctx, id, _payload, errors) => {
        release(ctx.extra, id);
        return format(errors, logger, ctx.extra.connectionId);
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
    async close() {
      for (const client of wss.clients) client.close(CloseCode.GoingAway, "Server shutting down");
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
