import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** The Prometheus metrics of one server, in a registry of its own (tests run several). */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: "multiverse_http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: "multiverse_http_request_duration_seconds",
    help: "HTTP request latency by route",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly graphqlOperations = new Counter({
    name: "multiverse_graphql_operations_total",
    help: "GraphQL operations by type and outcome",
    labelNames: ["type", "outcome"] as const,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: "multiverse_graphql_operation_duration_seconds",
    help: "GraphQL operation latency by type",
    labelNames: ["type"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly ticks = new Counter({
    name: "multiverse_ticks_total",
    help: "Control ticks this node drove",
    registers: [this.registry],
  });

  readonly tickErrors = new Counter({
    name: "multiverse_tick_errors_total",
    help: "Control ticks that failed on this node",
    registers: [this.registry],
  });

  readonly tickDuration = new Histogram({
    name: "multiverse_tick_duration_seconds",
    help: "How long the ticks this node drove took",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly eventsPropagated = new Counter({
    name: "multiverse_tick_events_propagated_total",
    help: "NEXT_TICK events delivered by the ticks this node drove",
    registers: [this.registry],
  });

  readonly tickLateGames = new Counter({
    name: "multiverse_tick_late_games_total",
    help: "Games the tick barrier gave up on (TICK_BARRIER_MS passed before they reported their tick), on the ticks this node drove",
    registers: [this.registry],
  });

  readonly currentTick = new Gauge({
    name: "multiverse_current_tick",
    help: "The latest control tick this node drove or heard",
    registers: [this.registry],
  });

  readonly subscriptions = new Gauge({
    name: "multiverse_subscriptions_active",
    help: "GraphQL subscriptions open on this node",
    registers: [this.registry],
  });

  readonly connections = new Gauge({
    name: "multiverse_websocket_connections_active",
    help: "WebSocket connections open on this node",
    registers: [this.registry],
  });

  readonly slowConsumers = new Counter({
    name: "multiverse_slow_consumer_disconnects_total",
    help: "WebSocket connections closed because the client read too slowly",
    registers: [this.registry],
  });

  /** Set by the realtime core: how many live subscribers its event fan-out holds. */
  fanoutSize: () => number = () => 0;

  readonly fanoutSubscribers: Gauge = new Gauge({
    name: "multiverse_fanout_subscribers",
    help: "Live events subscribers on this node that have caught up and get shared payloads",
    registers: [this.registry],
    collect: (): void => this.fanoutSubscribers.set(this.fanoutSize()),
  });

  readonly staleGames = new Gauge({
    name: "multiverse_games_stale",
    help: "Active games that sent heartbeats and none for GAME_STALE_SECONDS (counted by the tick leader every 10 s)",
    registers: [this.registry],
  });

  readonly fanoutRenders = new Counter({
    name: "multiverse_fanout_renders_total",
    help: "Live event payloads rendered (executed and serialized) once for a group of subscribers",
    registers: [this.registry],
  });

  readonly fanoutSends = new Counter({
    name: "multiverse_fanout_sends_total",
    help: "Live event payloads sent to subscribers from a shared rendering",
    registers: [this.registry],
  });

  readonly dbQueries = new Counter({
    name: "multiverse_db_queries_total",
    help: "SQL statements this node sent to Postgres (BEGIN and COMMIT included)",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "multiverse_" });
  }
}
