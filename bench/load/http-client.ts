// HTTP calls from the load workers: node:http with keep-alive (lighter than fetch per call).
import { Agent, request } from "node:http";
import type { HttpRequestTemplate } from "./protocol.ts";

export interface HttpAnswer {
  status: number;
  body: string;
}

/** A keep-alive HTTP client for one server, with at most `sockets` connections. */
export function httpClient(base: string, sockets: number) {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const call = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}

/** The body of call `i` of a template: its bodies in turn, `__I__` replaced by `id`. */
export function bodyOf(t: HttpRequestTemplate, i: number, id: string): string | undefined {
  const b = t.bodies?.[i % t.bodies.length];
  return b?.replaceAll("__I__", id);
}

/** A GraphQL answer with errors, or any status but 200, is a failure: its text (cut short). */
export function failureOf(a: HttpAnswer): string | undefined {
  if (a.status !== 200) return `HTTP ${a.status}: ${a.body.slice(0, 300)}`;
  if (a.body.startsWith('{"errors"') || a.body.includes('"errors":[')) return a.body.slice(0, 300);
  return undefined;
}
