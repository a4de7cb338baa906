// The bus's floor: a raw Redis PUBLISH to a SUBSCRIBE-d connection, one round trip at a time.
import { Redis } from "ioredis";
import { redisUrl } from "./multiverse.ts";
import { withTimeout } from "./processes.ts";
import { summarize, wallClock, type Summary } from "./stats.ts";

/** `n` round trips (after 20 warm-up ones) on `channel`. */
export async function redisFloor(channel: string, n: number): Promise<Summary> {
  const pub = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const sub = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  pub.on("error", () => undefined);
  sub.on("error", () => undefined);
  try {
    await sub.subscribe(channel);
    let waiting: ((at: number) => void) | undefined;
    sub.on("message", (ch: string) => {
      if (ch === channel) waiting?.(wallClock());
    });
    const times: number[] = [];
    for (let i = 0; i < n + 20; i++) {
      const heard = new Promise<number>((r) => (waiting = r));
      const sentAt = wallClock();
      await pub.publish(channel, JSON.stringify({ i, sentAt }));
      const ms = (await withTimeout(heard, 10_000, "a Redis message")) - sentAt;
      if (i >= 20) times.push(ms);
    }
    return summarize(times);
  } finally {
    pub.disconnect();
    sub.disconnect();
  }
}
