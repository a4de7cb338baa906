import type { Principal } from "../auth/principal.ts";
import { CloseCode } from "../realtime/close-codes.ts";
import type { Services } from "../services.ts";
import type { Loaders } from "./loaders.ts";

/** What every resolver sees. Built per HTTP request (or per WebSocket connection). */
export interface Context {
  requestId: string;
  principal: Principal;
  services: Services;
  /** Batch loaders for field resolvers (batching only, no cache). */
  loaders: Loaders;
  /** Over WebSocket: closes the connection (slow consumers). Absent over HTTP. */
  connection?: { close(code: number, reason: string): void };
}

/** Closes the connection of a consumer that fell too far behind: it resumes with `since`. */
export function closeSlowConsumer(ctx: Context): void {
  ctx.connection?.close(CloseCode.SlowConsumer, "Slow consumer: resubscribe with since = the last seq you received");
}
