import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";

import express from "express";
import { PlayerTokens } from "./platform/auth/player-tokens.ts";
import type { Bus } from "./platform/bus/bus.ts";
import { ChannelBus } from "./platform/bus/channel-bus.ts";
import { MemoryBus } from "./platform/bus/memory-bus.ts";
import { RedisBus } from "./platform/bus/redis-bus.ts";
import { tracedBus } from "./platform/bus/traced-bus.ts";
import type { Config } from "./platform/config/env.ts";
import { createPrismaClient } from "./platform/db/client.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./platform/db/embedded.ts";
import { migrate } from "./platform/db/migrate.ts";
import { bearerCredential } from "./platform/auth/authenticate.ts";
import type { Context } from "./platform/graphql/context.ts";
import { RequestPipeline } from "./platform/graphql/pipeline.ts";
import { buildGraphQLSchema } from "./schema.ts";
import { errorHandler } from "./platform/http/errors.ts";
import { graphiqlForBrowsers } from "./platform/http/graphiql.ts";
import { healthRoutes } from "./platform/http/health.ts";
import { requestId } from "./platform/http/request-id.ts";
import { bounded, refuseWhileStopping, ShutdownState } from "./platform/http/shutdown.ts";
import { sseTransport } from "./platform/http/sse.ts";
import { attachWebSocket } from "./platform/http/websocket.ts";
import { createLogger, type Logger } from "./platform/observability/logger.ts";
import { Metrics } from "./platform/observability/metrics.ts";
import { startTracing, type Tracing } from "./platform/observability/tracing.ts";
import { traceGraphQL, traceRequests } from "./platform/http/trace-requests.ts";
import { GameQuotas } from "./platform/quotas/game-quotas.ts";
import { Realtime } from "./platform/realtime/realtime.ts";
import { loadSecrets, type Secrets } from "./platform/config/secrets.ts";
import { repositoryPath } from "./repository.ts";
import type { Services } from "./platform/services.ts";

/** Route labels for metrics: the paths we serve, and "other" (unbounded paths would explode the label). */
const KNOWN_ROUTES = ["/graphql", "/healthz", "/readyz", "/metrics", "/admin"];

/** The route label of `req`: one of KNOWN_ROUTES, or "other". */
const routeOf = (req: express.Request): string =>
  KNOWN_ROUTES.find((r) => req.path === r || req.path.startsWith(`${r}/`)) ?? "other";

/** The admin console's production build (`npm run build -w admin`); served as static files, never imported. */
const ADMIN_DIST = repositoryPath("admin/dist/");

export interface App {
  services: Services;
  secrets: Secrets;
  /** `embedded` when PGlite serves the database in this process. */
  databaseMode: "embedded" | "external";
  /** Spans to the collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; no-op otherwise. */
  tracing: Tracing;
  /** The base URL once started, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  start(): Promise<void>;
  /**
   * Stops taking requests at once, lets running ones finish, then closes every connection and
   * gives back what the node holds; within SHUTDOWN_GRACE_SECONDS whatever happens.
   */
  stop(): Promise<void>;
}

export interface BuildOptions {
  logger?: Logger;
}

/**
 * Builds the whole server from `config`: database (embedded PGlite when no `DATABASE_URL`),
 * migrations, bus, GraphQL and HTTP routes. Nothing listens until `start()`. Tests, the CLI
 * and graceful shutdown all go through this.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const secrets = await loadSecrets(config);

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const dir = config.dataDir.startsWith("memory://") ? config.dataDir : join(config.dataDir, "pglite");
    embedded = await startEmbeddedPostgres(dir);
    databaseUrl = embedded.url;
  }
  if (config.migrateOnStart) {
    const applied = await migrate(databaseUrl);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");
  }

  const metrics = new Metrics();
  const tracing = startTracing(config.tracing);
  const prisma = createPrismaClient(databaseUrl, {
    embedded: embedded !== undefined,
    connections: config.databasePoolSize,
    timeoutMs: config.databasePoolTimeoutMs,
    onQuery: () => metrics.dbQueries.inc(),
  });
  // Connections are named per process (`multiverse-<host>-<pid>-cmd|sub`), so CLIENT LIST tells nodes apart.
  const redisName = `multiverse-${hostname()}-${process.pid}`;
  const onHandlerError = (err: unknown, channel: string) => logger.error({ err, channel }, "bus: a handler failed");
  const backend: Bus = config.redisUrl
    ? new RedisBus(config.redisUrl, { prefix: config.redisKeyPrefix, name: redisName, onHandlerError })
    : new MemoryBus({ onHandlerError });
  const bus = tracing.enabled ? tracedBus(backend, tracing.tracer) : backend;
  const channels = new ChannelBus(bus, onHandlerError);
  if (config.databaseUrl && !config.redisUrl) {
    logger.warn("REDIS_URL is not set: the bus is in memory, so run this node alone (no other node sees its events)");
  }
  const realtime = await Realtime.start({ config, prisma, bus, channels, logger, metrics });
  const services: Services = {
    config,
    prisma,
    bus,
    channels,
    logger,
    playerTokens: new PlayerTokens(secrets.jwtSecret, config.playerTokenTtlSeconds),
    adminToken: secrets.adminToken,
    realtime,
    quotas: new GameQuotas(prisma, config.gameQuotas, config.credentialCacheSeconds * 1000),
  };

  const expressApp = express();
  const httpServer: Server = createServer(expressApp);
  const shutdown = new ShutdownState();
  // The grace period: WebSockets close in the first 40%, running requests finish in the next
  // 40%, and the node gives back its lease, presence and registry entry in what is left.
  const graceMs = config.shutdownGraceSeconds * 1000;
  const pipeline = new RequestPipeline(await buildGraphQLSchema(), services, metrics);
  const websocket = attachWebSocket(httpServer, pipeline, services, metrics, tracing);
  const sse = sseTransport(pipeline, services, metrics);
  const steps = pipeline.apolloOptions();
  const apollo = new ApolloServer<Context>({
    ...steps,
    includeStacktraceInErrorResponses: false,
    // main.ts handles SIGTERM/SIGINT itself (Apollo's handler would re-send the signal).
    stopOnTerminationSignals: false,
    introspection: true,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: graceMs * 0.4 }),
      ApolloServerPluginLandingPageDisabled(),
      ...(steps.plugins ?? []),
    ],
  });
  await apollo.start();

  expressApp.disable("x-powered-by");
  expressApp.use(requestId);
  // Probes and scrapes come every few seconds and would bury the requests' traces.
  if (tracing.enabled) expressApp.use(traceRequests(tracing, routeOf, ["/healthz", "/readyz", "/metrics"]));
  expressApp.use((req, res, next) => {
    const started = performance.now();
    const route = routeOf(req);
    res.on("finish", () => {
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route }, (performance.now() - started) / 1000);
    });
    next();
  });
  expressApp.use(healthRoutes(services, shutdown));
  expressApp.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  expressApp.use(
    "/graphql",
    graphiqlForBrowsers,
    refuseWhileStopping(shutdown),
    express.json({ limit: config.maxRequestBytes }),
    ...(tracing.enabled ? [traceGraphQL(tracing)] : []),
    sse.handle, // a request that accepts text/event-stream: a subscription over SSE
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = res.locals["requestId"] as string;
        return pipeline.context(
          await pipeline.principal(bearerCredential(req.headers.authorization), requestId),
          requestId,
        );
      },
    }),
  );
  // The admin console (admin/dist), with SPA fallback to index.html for its client-side routes.
  expressApp.use("/admin", express.static(ADMIN_DIST, { index: "index.html", fallthrough: true }));
  expressApp.get(/^\/admin(?:\/.*)?$/, (req, res, next) => {
    if (req.path.startsWith("/admin/assets/")) return next(); // a missing asset is a 404, not the page
    const index = join(ADMIN_DIST, "index.html");
    if (existsSync(index)) {
      res.sendFile(index);
    } else {
      res
        .status(503)
        .type("text/plain")
        .send(
          "The admin console is not built. Run `npm run build -w admin` (npm install does it), then reload /admin.\n",
        );
    }
  });
  expressApp.use(errorHandler(logger));

  let url = "";
  return {
    services,
    secrets,
    tracing,
    databaseMode: embedded ? "embedded" : "external",
    get url() {
      return url;
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      url = `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`;
    },
    async stop() {
      const deadline = performance.now() + graceMs;
      shutdown.stopping = true; // new requests are refused (503) and /readyz says so, from now
      sse.close(); // SSE subscribers too (their last event carries 1001)
      await websocket.close(graceMs * 0.4); // subscribers are told to go elsewhere (1001)
      await apollo.stop(); // running requests finish (40% of the grace), then connections close
      httpServer.closeAllConnections();
      // The lease, presence and the registry entry: quick, unless Postgres or Redis is away.
      await bounded(deadline - performance.now(), "release", realtime.stop(), logger);
      await Promise.allSettled([prisma.$disconnect(), bus.close()]);
      await embedded?.close();
      await tracing.shutdown(); // sends the spans left
    },
  };
}
