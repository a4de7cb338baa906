import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "multiverse_" });
  }
}
