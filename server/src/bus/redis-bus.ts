import { Redis } from "ioredis";
import type { Bus } from "./bus.ts";

/**
 * The Redis bus. ioredis reconnects by itself. Commands wait while it (re)connects, and are
 * rejected after one failed reconnect attempt, so nothing piles up while Redis is away.
 */
export class RedisBus implements Bus {
  readonly kind = "redis";
  readonly #client: Redis;

  constructor(url: string) {
    this.#client = new Redis(url, {
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    // Connection errors are reported by /readyz; without a listener ioredis logs them itself.
    this.#client.on("error", () => undefined);
  }

  async ping(timeoutMs = 1_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("Redis did not answer in time")), timeoutMs);
    });
    try {
      await Promise.race([this.#client.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.#client.disconnect();
  }
}
