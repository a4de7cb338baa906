import type { Bus } from "./bus.ts";

/** The in-process bus of the embedded mode: always reachable, shared by nothing else. */
export class MemoryBus implements Bus {
  readonly kind = "memory";

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
