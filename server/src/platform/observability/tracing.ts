import { context, SpanKind, trace, type Context, type Tracer, type TracerProvider } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  type Sampler,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { PrismaInstrumentation } from "@prisma/instrumentation";

/** The span attribute that carries the request id (the one logs show as `requestId`). */
export const ATTR_REQUEST_ID = "multiverse.request_id";

/** OpenTelemetry's GraphQL span attributes (still "development" in the semantic conventions package). */
export const ATTR_GRAPHQL_OPERATION_NAME = "graphql.operation.name";
export const ATTR_GRAPHQL_OPERATION_TYPE = "graphql.operation.type";

/** Where spans go, from `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_SERVICE_NAME`. */
export interface TracingConfig {
  /** The collector's OTLP/HTTP base URL; spans are sent to `<endpoint>/v1/traces` as JSON. */
  endpoint: string;
  serviceName: string;
}

/**
 * One server's tracing. Off (no endpoint): `tracer` is the API's no-op tracer and nothing is
 * installed. On: a tracer provider of the server's own (tests run several servers in one
 * process), exporting over OTLP/HTTP, and Prisma's tracing hook pointed at it.
 */
export interface Tracing {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** The context of an incoming request's W3C `traceparent` (root context without one). */
  extract(headers: Record<string, string | string[] | undefined>): Context;
  /** Sends the spans that ended so far. */
  flush(): Promise<void>;
  /** Sends what is left and gives back the process-wide hooks. */
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, string | string[] | undefined>, key: string) => carrier[key],
};

/**
 * A trace starts at a request (a SERVER span, or a caller's `traceparent`); background work (the
 * tick, presence sweeps) starts none of its own, so its Prisma and Redis calls are not recorded.
 */
const requestsOnly: Sampler = {
  shouldSample: (_context, _traceId, _name, kind) => ({
    decision: kind === SpanKind.SERVER ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
  }),
  toString: () => "RequestsOnly",
};

/**
 * The process-wide pieces tracing needs: an async-local context manager (spans follow `await`s)
 * and Prisma's tracing hook, which Prisma reads from a global. Servers in one process (tests)
 * take them in turn: the hook points at the newest tracing server's provider, and goes back to
 * the previous one (or away) when that one shuts down.
 */
const holders: TracerProvider[] = [];
let contextManager: AsyncLocalStorageContextManager | undefined;
let prismaHook: PrismaInstrumentation | undefined;

function pointPrismaAt(provider: TracerProvider | undefined): void {
  prismaHook ??= new PrismaInstrumentation({ enabled: false });
  if (!provider) {
    prismaHook.disable();
    return;
  }
  prismaHook.setTracerProvider(provider);
  prismaHook.enable();
}

function hold(provider: TracerProvider): void {
  if (!contextManager) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  holders.push(provider);
  pointPrismaAt(provider);
}

function release(provider: TracerProvider): void {
  const i = holders.lastIndexOf(provider);
  if (i < 0) return;
  holders.splice(i, 1);
  pointPrismaAt(holders.at(-1));
  if (holders.length === 0 && contextManager) {
    context.disable();
    contextManager = undefined;
  }
}

/** Tracing that does nothing: the API's no-op tracer. */
const off: Tracing = {
  enabled: false,
  tracer: trace.getTracer("multiverse"),
  extract: () => context.active(),
  flush: async () => undefined,
  shutdown: async () => undefined,
};

/** Starts tracing to `config`'s collector, or returns the no-op tracing without one. */
export function startTracing(config: TracingConfig | undefined): Tracing {
  if (!config) return off;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler: new ParentBasedSampler({ root: requestsOnly }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.endpoint.replace(/\/+$/, "")}/v1/traces` })),
    ],
  });
  hold(provider);
  return {
    enabled: true,
    tracer: provider.getTracer("multiverse"),
    extract: (headers) => propagator.extract(context.active(), headers, headerGetter),
    flush: () => provider.forceFlush(),
    async shutdown() {
      release(provider);
      await provider.shutdown();
    },
  };
}
