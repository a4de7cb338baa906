// The floor of fan-out on this machine: a raw `ws` server that speaks just enough of
// graphql-transport-ws for the benchmark's client (ack the connection, accept one subscription)
// and, for each POST /publish, serializes the `next` message once and sends it to every socket.
import { createServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { readBody, ready } from "./peer.ts";

const subscribed = new Set<WebSocket>();
let seq = 0;

const http = createServer((req, res) => {
  void readBody(req).then((body) => {
    if (req.method === "POST" && req.url === "/publish") {
      seq++;
      const message = `{"id":"1","type":"next","payload":{"data":{"events":{"seq":"${seq}","data":${body}}}}}`;
      for (const socket of subscribed) socket.send(message);
      res.end(String(seq));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
});

const wss = new WebSocketServer({ server: http, path: "/graphql", perMessageDeflate: false });
wss.on("connection", (socket) => {
  socket.on("message", (raw: Buffer) => {
    const text = raw.toString("utf8");
    if (text.includes('"connection_init"')) socket.send('{"type":"connection_ack"}');
    else if (text.includes('"subscribe"')) subscribed.add(socket);
    else if (text.includes('"ping"')) socket.send('{"type":"pong"}');
  });
  socket.on("close", () => subscribed.delete(socket));
  socket.on("error", () => socket.terminate());
});

http.listen(0, "127.0.0.1", () => {
  const a = http.address();
  const port = typeof a === "object" && a ? a.port : 0;
  ready({ url: `ws://127.0.0.1:${port}/graphql`, control: `http://127.0.0.1:${port}/publish` });
});
