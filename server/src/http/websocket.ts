import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { GraphQLError, specifiedRules, validate, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { authenticate, bearerCredential } from "../auth/authenticate.ts";
import type { Principal } from "../auth/principal.ts";
import { apiError, ErrorCode } from "../errors/errors.ts";
import { formatError } from "../errors/format-error.ts";
import type { Context } from "../graphql/context.ts";
import { maxDepthRule } from "../graphql/max-depth.rule.ts";
import type { Metrics } from "../observability/metrics.ts";
import { CloseCode } from "../realtime/close-codes.ts";
import type { Services } from "../services.ts";

/** What we keep on each connection (graphql-ws's `extra`). */
type Connection = {
  principal?: Principal;
  connectionId?: string;
  subscriptions?: number;
};

/** The credential in `connectionParams`: `{ authorization: "Bearer …" }` or `{ token: "…" }`. */
function credentialOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const authorization = params?.["authorization"] ?? params?.["Authorization"];
  if (typeof authorization === "string") return bearerCredential(authorization);
  const token = params?.["token"];
  return typeof token === "string" && token !== "" ? token : undefined;
}

const format = (errors: readonly GraphQLError[]) => errors.map((e) => formatError(e.toJSON(), e));

/**
 * GraphQL subscriptions over graphql-ws on the same port and path as HTTP (`/graphql`). The
 * credential is checked once, at connect; a missing or bad one closes the socket with 4403.
 * Each connection may hold `MAX_SUBSCRIPTIONS_PER_CONNECTION` subscriptions; one whose unsent
 * bytes pass `MAX_SOCKET_BUFFER_BYTES` is closed as a slow consumer (4010).
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

  const disposable = useServer<Record<string, unknown>, Connection>(
    {
      schema,
      validate: (s, document) => validate(s, document, rules),
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
        ctx.extra.principal = principal;
        ctx.extra.connectionId = randomUUID();
        ctx.extra.subscriptions = 0;
        metrics.connections.inc();
        // A player is online while a connection holding its token is open.
        if (principal.kind === "player")
          await services.realtime.presence.connected(principal.gameId, principal.playerId);
        return true;
      },
      onDisconnect: async (ctx) => {
        metrics.connections.dec();
        const p = ctx.extra.principal;
        if (p?.kind === "player") {
          await services.realtime.presence
            .disconnected(p.gameId, p.playerId)
            .catch((err: unknown) => logger.warn({ err }, "presence: disconnect not recorded"));
        }
      },
      context: (ctx): Context => ({
        requestId: ctx.extra.connectionId!,
        principal: ctx.extra.principal!,
        services,
        connection: {
          close: (code, reason) => {
            const socket = ctx.extra.socket;
            if (socket.readyState !== socket.OPEN) return;
            if (code === CloseCode.SlowConsumer) metrics.slowConsumers.inc();
            socket.close(code, reason);
          },
        },
      }),
      onSubscribe: (ctx) => {
        if ((ctx.extra.subscriptions ?? 0) >= config.maxSubscriptionsPerConnection) {
          return [
            apiError(
              ErrorCode.RateLimited,
              `At most ${config.maxSubscriptionsPerConnection} subscriptions per connection: complete one first`,
            ),
          ];
        }
        ctx.extra.subscriptions = (ctx.extra.subscriptions ?? 0) + 1;
        metrics.subscriptions.inc();
        return undefined;
      },
      onComplete: (ctx) => {
        ctx.extra.subscriptions = Math.max(0, (ctx.extra.subscriptions ?? 1) - 1);
        metrics.subscriptions.dec();
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        if (ctx.extra.socket.bufferedAmount > config.maxSocketBufferBytes) {
          metrics.slowConsumers.inc();
          ctx.extra.socket.close(
            CloseCode.SlowConsumer,
            "Slow consumer: resubscribe with since = the last seq you received",
          );
        }
        return result.errors ? { ...result, errors: format(result.errors) } : undefined;
      },
      onError: (ctx, _id, _payload, errors) => {
        for (const e of errors) {
          if (!e.extensions?.["code"])
            logger.error({ requestId: ctx.extra.connectionId, err: e }, "subscription error");
        }
        return format(errors);
      },
    },
    wss,
    15_000,
  );

  return {
    async close() {
      for (const client of wss.clients) client.close(CloseCode.GoingAway, "Server shutting down");
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
