// What a developer writes without a platform: a graphql-js schema, an in-memory pub/sub and
// graphql-ws's `useServer` on a `ws` server. Events are published with a GraphQL mutation over
// HTTP (POST /graphql), executed by graphql-js; each subscriber's `events` is executed per
// event by graphql-ws, as in any graphql-ws server.
import { createServer } from "node:http";
import { buildSchema, graphql } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { readBody, ready } from "./peer.ts";

const schema = buildSchema(`
  scalar JSON
  type Event { seq: String!, data: JSON! }
  type Query { ok: Boolean }
  type Mutation { publish(data: JSON!): String! }
  type Subscription { events: Event! }
`);

interface Payload {
  events: { seq: string; data: unknown };
}

/** The in-memory pub/sub: one push function per live subscription. */
const listeners = new Set<(p: Payload) => void>();

/** An async iterator over what is pushed to it, queued until read; removes itself on return. */
function listen(): AsyncIterableIterator<Payload> {
  const queue: Payload[] = [];
  let wake: ((r: IteratorResult<Payload>) => void) | undefined;
  const push = (p: Payload) => {
    if (wake) {
      const w = wake;
      wake = undefined;
      w({ value: p, done: false });
    } else queue.push(p);
  };
  listeners.add(push);
  const done = (): Promise<IteratorResult<Payload>> => {
    listeners.delete(push);
    wake?.({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  };
  return {
    next: () =>
      queue.length ? Promise.resolve({ value: queue.shift()!, done: false }) : new Promise((r) => (wake = r)),
    return: done,
    throw: done,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

let seq = 0;
const root = {
  publish: ({ data }: { data: unknown }) => {
    const p = { events: { seq: String(++seq), data } };
    for (const push of listeners) push(p);
    return String(seq);
  },
};
schema.getSubscriptionType()!.getFields()["events"]!.subscribe = () => listen();

const http = createServer((req, res) => {
  void readBody(req).then(async (body) => {
    if (req.method !== "POST" || req.url !== "/graphql") {
      res.statusCode = 404;
      return res.end();
    }
    const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
    const result = await graphql({ schema, source: query, rootValue: root, variableValues: variables ?? null });
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(result));
  });
});

const wss = new WebSocketServer({ server: http, path: "/graphql", perMessageDeflate: false });
useServer({ schema }, wss);

http.listen(0, "127.0.0.1", () => {
  const a = http.address();
  const port = typeof a === "object" && a ? a.port : 0;
  ready({ url: `ws://127.0.0.1:${port}/graphql`, control: `http://127.0.0.1:${port}/graphql` });
});
