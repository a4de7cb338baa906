// A raw GraphQL-over-SSE client for tests (distinct connections mode, no library): one POST with
// `Accept: text/event-stream` per subscription, its events parsed as they arrive.
import { waitUntil } from "./wait.ts";

/** One server-sent event: its name (`next`, `complete`) and its data, parsed. */
export interface SseEvent {
  event: string;
  data: unknown;
}

export interface TestSseStream {
  /** The response's status (200 for a stream; 401, 503 … for a refusal). */
  status: number;
  /** The response's body when it was not a stream (a refusal's JSON). */
  body?: unknown;
  /** Every event so far, in order. */
  readonly events: SseEvent[];
  /** The `next` events' data so far. */
  nexts(): Array<{
    data?: Record<string, unknown>;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  }>;
  /** Resolves once at least `n` `next` events arrived. */
  received(n: number): Promise<void>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  /** Ends the stream from the client's side. */
  close(): void;
  /** Stops reading (TCP fills up, then the server's writes stall) until `resume()`. */
  pause(): void;
  resume(): void;
}

/** Opens a subscription over SSE on `baseUrl`'s `/graphql`, with `credential` as a Bearer token. */
export async function sseSubscribe(
  baseUrl: string,
  credential: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<TestSseStream> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    signal: abort.signal,
    headers: {
      accept: "text/event-stream",
      "content-type": "application/json",
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const events: SseEvent[] = [];
  const nexts = () => events.filter((e) => e.event === "next").map((e) => e.data) as ReturnType<TestSseStream["nexts"]>;
  if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return {
      status: res.status,
      body,
      events,
      nexts,
      received: () => Promise.resolve(),
      ended: Promise.resolve(),
      close() {},
      pause() {},
      resume() {},
    };
  }
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body!) {
        await gate?.promise;
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).trim());
          }
          if (data.length === 0) continue; // a ping (a comment line)
          const text = data.join("\n");
          events.push({ event, data: text === "" ? null : JSON.parse(text) });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: res.status,
    events,
    nexts,
    received: async (n) => void (await waitUntil(`${n} next events`, () => nexts().length >= n)),
    ended,
    close: () => abort.abort(),
    pause() {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate ??= { promise, open };
    },
    resume() {
      gate?.open();
      gate = undefined;
    },
  };
}
