import type { Principal } from "../auth/principal.ts";
import type { Services } from "../services.ts";

/** What every resolver sees. Built per HTTP request (or per WebSocket connection). */
export interface Context {
  requestId: string;
  principal: Principal;
  services: Services;
  /** Over WebSocket: closes the connection (slow consumers). Absent over HTTP. */
  connection?: { close(code: number, reason: string): void };
}
