// OpenTelemetry tracing against a real collector's protocol: an OTLP/HTTP receiver in this
// process takes the server's spans (JSON), and one publish must be one trace, from the HTTP
// request through the GraphQL operation to Postgres (Prisma) and Redis (the bus).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../server/src/platform/config/env.ts";
import { onRealPostgres } from "../support/database.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";
import { connectWs } from "../support/ws.ts";

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}

/** A span as OTLP/JSON carries it (ids in hex). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
}

interface Received {
  service: string | undefined;
  span: OtlpSpan;
}

/** An OTLP/HTTP receiver on 127.0.0.1: every span POSTed to /v1/traces, with its service name. */
async function startReceiver(): Promise<{ url: string; spans: Received[]; close(): Promise<void> }> {
  const spans: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const payload = JSON.parse(body.toString("utf8")) as {
        resourceSpans?: {
          resource?: { attributes?: OtlpAttribute[] };
          scopeSpans?: { spans?: OtlpSpan[] }[];
        }[];
      };
      for (const rs of payload.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue;
        for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) spans.push({ service, span });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string): unknown => {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.boolValue;
};

const PUBLISH = `mutation Announce($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`;
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID = "00f067aa0ba902b7";

const redisUrl = inject("redisUrl");

describe.skipIf(!redisUrl || !onRealPostgres())("tracing (OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let s: TestServer;

  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer({
      REDIS_URL: redisUrl,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "multiverse-under-test",
    });
  });
  afterAll(async () => {
    await s?.stop();
    await receiver?.close();
  });

  it("one publish over HTTP is one trace: HTTP, the GraphQL operation, Postgres and Redis", async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`,
      },
      body: JSON.stringify({
        query: PUBLISH,
        operationName: "Announce",
        variables: { i: { type: "traced", data: { hello: "world" } } },
      }),
    });
    const body = (await res.json()) as { data?: { publishEvent: { seq: string } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toBeTruthy();

    const inTrace = () => receiver.spans.filter((r) => r.span.traceId === TRACE_ID).map((r) => r.span);
    // The HTTP span ends once the response is sent, which the client may hear of first.
    const http = (await waitUntil("the HTTP span", async () => {
      await s.app.tracing.flush();
      return inTrace().find((sp) => sp.name === "POST /graphql");
    }))!;
    const spans = inTrace();
    const names = spans.map((sp) => sp.name);

    expect(receiver.spans.find((r) => r.span === http)?.service).toBe("multiverse-under-test");
    expect(http.parentSpanId).toBe(CALLER_SPAN_ID); // continues the caller's traceparent
    expect(attribute(http, "http.request.method")).toBe("POST");
    expect(attribute(http, "multiverse.request_id")).toBe(requestId);

    const operation = spans.find((sp) => sp.name === "mutation Announce");
    expect(operation, `no GraphQL operation span among ${names.join(", ")}`).toBeDefined();
    expect(operation!.parentSpanId).toBe(http.spanId);
    expect(attribute(operation!, "graphql.operation.type")).toBe("mutation");
    expect(attribute(operation!, "graphql.operation.name")).toBe("Announce");
    expect(attribute(operation!, "multiverse.request_id")).toBe(requestId);

    // Prisma's spans (prisma:client:operation, prisma:client:db_query): the event's insert.
    const queries = spans.filter((sp) => sp.name === "prisma:client:db_query");
    expect(queries.length, `no Postgres span among ${names.join(", ")}`).toBeGreaterThan(0);
    const insert = queries.find((q) => String(attribute(q, "db.query.text")).includes("INSERT"));
    expect(insert, "the event's INSERT").toBeDefined();
    const prismaOperation = spans.find((sp) => sp.spanId === insert!.parentSpanId);
    expect(prismaOperation?.name).toBe("prisma:client:operation");
    expect(prismaOperation!.parentSpanId).toBe(operation!.spanId);

    // The publish's rate-limit count is a Redis command of the operation's.
    const hit = spans.find((sp) => sp.name === "redis hit");
    expect(hit, `no Redis span among ${names.join(", ")}`).toBeDefined();
    expect(hit!.parentSpanId).toBe(operation!.spanId);
    expect(attribute(hit!, "db.system.name")).toBe("redis");
  });

  it("does not trace probes and scrapes", async () => {
    const probeTrace = "0af7651916cd43dd8448eb211c80319c";
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      const res = await fetch(`${s.url}${path}`, { headers: { traceparent: `00-${probeTrace}-b7ad6b7169203331-01` } });
      expect(res.status).toBe(200);
    }
    // A traced request after them, to know the probes' spans would have been sent by now.
    await fetch(`${s.url}/graphql?query=%7B__typename%7D`, {
      headers: { traceparent: `00-${"1".repeat(32)}-b7ad6b7169203331-01` },
    });
    await waitUntil("the GraphQL GET's span", async () => {
      await s.app.tracing.flush();
      return receiver.spans.some((r) => r.span.traceId === "1".repeat(32) && r.span.name === "GET /graphql");
    });
    expect(receiver.spans.filter((r) => r.span.traceId === probeTrace)).toEqual([]);
  });

  it("traces an operation over WebSocket as a trace of its own, with its queries", async () => {
    const ws = connectWs(s.url, TEST_ADMIN_TOKEN);
    try {
      await ws.connected;
      await new Promise<void>((resolve, reject) => {
        ws.client.subscribe(
          {
            query: "query RecentEvents { events(first: 1) { edges { node { seq } } } }",
            operationName: "RecentEvents",
          },
          { next: () => undefined, error: reject, complete: resolve },
        );
      });
    } finally {
      await ws.dispose();
    }
    const operation = (await waitUntil("the WebSocket operation's span", async () => {
      await s.app.tracing.flush();
      return receiver.spans.map((r) => r.span).find((sp) => sp.name === "query RecentEvents");
    }))!;
    expect(operation.parentSpanId ?? "").toBe(""); // a root: no traceparent over a WebSocket
    expect(operation.kind).toBe(2); // SPAN_KIND_SERVER
    expect(attribute(operation, "graphql.operation.type")).toBe("query");
    expect(attribute(operation, "multiverse.request_id")).toEqual(expect.any(String));
    const inTrace = receiver.spans.map((r) => r.span).filter((sp) => sp.traceId === operation.traceId);
    expect(inTrace.some((sp) => sp.name === "prisma:client:operation" && sp.parentSpanId === operation.spanId)).toBe(
      true,
    );
  });
});

describe("tracing settings", () => {
  it("reads OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME, and refuses an endpoint that is not http(s)", () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).tracing).toEqual({
      endpoint: "http://collector:4318",
      serviceName: "multiverse",
    });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example", OTEL_SERVICE_NAME: "mv-eu" }).tracing,
    ).toEqual({ endpoint: "https://otel.example", serviceName: "mv-eu" });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://collector:4317" })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });

  it("is off without OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
    const s = await startTestServer();
    try {
      expect(s.app.tracing.enabled).toBe(false);
    } finally {
      await s.stop();
    }
  });
});
