/**
 * The realtime backbone: Redis when `REDIS_URL` is set, in memory for the single-process
 * embedded mode. Both sit behind this interface; the realtime core grows it (publish and
 * subscribe, presence, the tick lease, rate limits).
 */
export interface Bus {
  readonly kind: "memory" | "redis";
  /** Resolves when the backend answers within `timeoutMs` (default 1000); rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}
