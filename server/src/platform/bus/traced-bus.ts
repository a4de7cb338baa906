import { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME } from "@opentelemetry/semantic-conventions";
import type { Bus } from "./bus.ts";

/** The bus calls that are one round trip to the backend, each traced as a CLIENT span. */
const COMMANDS = new Set<keyof Bus>([
  "ping",
  "publish",
  "lease",
  "releaseLease",
  "touch",
  "untouch",
  "alive",
  "aliveWithPrefix",
  "aliveWithPrefixes",
  "sweep",
  "timedSets",
  "mark",
  "marked",
  "hit",
]);

/**
 * `bus` with a span around each command (`redis publish`, `redis hit`, …), a child of the
 * caller's span: Redis as one request sees it. The spans name the bus's operation, not the
 * Redis commands under it (a lease is a script, `touch` a MULTI). Subscribing, and the messages
 * that arrive, are not traced. Only wrapped with tracing on: without it the bus is untouched.
 */
export function tracedBus(bus: Bus, tracer: Tracer): Bus {
  const system = bus.kind === "redis" ? "redis" : "memory";
  return new Proxy(bus, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (!COMMANDS.has(property as keyof Bus)) return value.bind(target) as unknown;
      const name = String(property);
      return (...args: unknown[]) =>
        tracer.startActiveSpan(
          `${system} ${name}`,
          { kind: SpanKind.CLIENT, attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: name } },
          async (span) => {
            try {
              return (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
            } catch (err) {
              span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
              throw err;
            } finally {
              span.end();
            }
          },
        );
    },
  });
}
