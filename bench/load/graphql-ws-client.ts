// A minimal graphql-transport-ws client on a raw `ws` socket: connection_init, one subscription,
// and every `next` handed over as text. The same code drives Multiverse, the plain graphql-ws
// server and the raw ws broadcast server, so their figures differ only by the server.
import WebSocket from "ws";

export interface SubscriberOptions {
  url: string;
  payload: Record<string, unknown> | null;
  query: string;
  variables?: Record<string, unknown>;
  localAddress?: string;
  /** Each `next` message as received (text), with its receive time. */
  onNext(text: string): void;
  /** After the acknowledgement: the socket closed (code) or failed. */
  onClose(code: number, reason: string): void;
}

export interface Subscriber {
  socket: WebSocket;
  /** Resolves once connection_ack arrived and the subscription was sent. */
  opened: Promise<void>;
  close(): void;
}

/** How graphql-ws (and the raw ws server, which speaks like it) starts every `next` of subscription "1". */
const NEXT = '{"id":"1","type":"next"';

/** Opens one graphql-transport-ws connection with one subscription (id "1"). */
export function subscriber(o: SubscriberOptions): Subscriber {
  const socket = new WebSocket(o.url, "graphql-transport-ws", {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  });
  let acked = false;
  const opened = new Promise<void>((resolve, reject) => {
    socket.once("open", () => {
      socket.send(
        JSON.stringify(o.payload ? { type: "connection_init", payload: o.payload } : { type: "connection_init" }),
      );
    });
    socket.on("message", (raw: Buffer) => {
      const text = raw.toString("utf8");
      if (acked) {
        // Hot path: `next` messages only (the servers here send nothing else once subscribed).
        if (text.startsWith(NEXT)) return o.onNext(text);
        if (text.includes('"type":"ping"')) return socket.send('{"type":"pong"}');
        if (text.includes('"type":"error"') || text.includes('"type":"complete"')) {
          o.onClose(-1, text.slice(0, 300));
          socket.close();
        }
        return;
      }
      if (text.includes('"connection_ack"')) {
        acked = true;
        socket.send(
          JSON.stringify({ id: "1", type: "subscribe", payload: { query: o.query, variables: o.variables ?? {} } }),
        );
        resolve();
      } else if (text.includes('"type":"ping"')) {
        socket.send('{"type":"pong"}');
      }
    });
    socket.once("error", (err) => {
      if (!acked) reject(err);
    });
    socket.once("close", (code, reason) => {
      if (!acked) reject(new Error(`closed before the ack: ${code} ${reason.toString()}`));
      else o.onClose(code, reason.toString());
    });
  });
  opened.catch(() => undefined);
  return { socket, opened, close: () => socket.terminate() };
}
