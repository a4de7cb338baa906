// A Colyseus 0.18 server with one room that broadcasts whatever is POSTed to its control port
// (`room.broadcast("event", data)`): the game-server framework's fan-out at the same N.
// Colyseus lives in bench/node_modules only (bench/package.json); it is imported by name at run
// time so that typechecking the repository never needs it installed.
import { createServer, type Server } from "node:http";
import { readBody, ready } from "./peer.ts";

interface ColyseusRoom {
  broadcast(type: string, message: unknown): void;
  clients: { length: number };
  autoDispose: boolean;
  maxClients: number;
}
interface ColyseusCore {
  Server: new (options: { transport: unknown; greet?: boolean; logger?: unknown }) => {
    define(name: string, room: unknown): void;
    listen(port: number, host?: string): Promise<unknown>;
  };
  Room: new () => ColyseusRoom;
}
interface WsTransportModule {
  WebSocketTransport: new (options?: { pingInterval?: number; perMessageDeflate?: boolean }) => {
    server?: Server;
  };
}

const core = (await import("@colyseus/core" as string)) as ColyseusCore;
const { WebSocketTransport } = (await import("@colyseus/ws-transport" as string)) as WsTransportModule;

let room: ColyseusRoom | undefined;

class BenchRoom extends core.Room {
  override maxClients = 1_000_000;
  override autoDispose = false;
  onCreate(): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    room = this;
  }
  onJoin(): void {}
}

const silent = { debug() {}, info() {}, warn() {}, error: console.error, trace() {} };
const transport = new WebSocketTransport({ pingInterval: 15_000, perMessageDeflate: false });
const server = new core.Server({ transport, greet: false, logger: silent });
server.define("bench", BenchRoom);
await server.listen(0, "127.0.0.1");
const address = transport.server?.address();
if (!address || typeof address === "string") throw new Error("colyseus: no port");

const control = createServer((req, res) => {
  void readBody(req).then((body) => {
    if (req.url === "/publish" && room) {
      room.broadcast("event", JSON.parse(body) as unknown);
      res.end("ok");
    } else {
      res.statusCode = room ? 404 : 503;
      res.end();
    }
  });
});
control.listen(0, "127.0.0.1", () => {
  const c = control.address();
  ready({
    url: `ws://127.0.0.1:${address.port}`,
    control: `http://127.0.0.1:${typeof c === "object" && c ? c.port : 0}`,
  });
});
