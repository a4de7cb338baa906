import type { Bus, Unsubscribe } from "./bus.ts";
import { ChannelHandlers, type HandlerErrorReporter } from "./handlers.ts";

/** The in-process bus of the embedded mode: the same semantics as Redis, for one process. */
export class MemoryBus implements Bus {
  readonly kind = "memory";
  readonly #handlers: ChannelHandlers;
  readonly #leases = new Map<string, { holder: string; until: number }>();
  readonly #sets = new Map<string, Map<string, number>>();
  readonly #hits = new Map<string, { count: number; until: number }>();
  readonly #marks = new Map<string, { members: Set<string>; until: number }>();

  /** @param onHandlerError hears of a handler that threw (the others ran regardless). */
  constructor({ onHandlerError = () => undefined }: { onHandlerError?: HandlerErrorReporter } = {}) {
    // Nothing to confirm in memory: a channel is live as soon as it has a handler.
    this.#handlers = new ChannelHandlers({ listen: async () => {}, unlisten: async () => {} }, onHandlerError);
  }

  async ping(): Promise<void> {}

  async publish(channel: string, message: string): Promise<void> {
    // Asynchronous like a network hop, so a publisher never runs subscribers' code inline.
    queueMicrotask(() => this.#handlers.dispatch(channel, message));
  }

  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    return this.#handlers.add(channel, handler);
  }

  onResubscribed(): () => void {
    return () => undefined; // never disconnected
  }

  async lease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const current = this.#leases.get(name);
    if (current && current.until > now && current.holder !== holder) return false;
    this.#leases.set(name, { holder, until: now + ttlMs });
    return true;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    if (this.#leases.get(name)?.holder === holder) this.#leases.delete(name);
  }

  async touch(set: string, members: string[], expiresAt: number): Promise<void> {
    if (members.length === 0) return;
    let s = this.#sets.get(set);
    if (!s) this.#sets.set(set, (s = new Map()));
    for (const m of members) s.set(m, expiresAt);
  }

  async untouch(set: string, members: string[]): Promise<void> {
    const s = this.#sets.get(set);
    if (!s) return;
    for (const m of members) s.delete(m);
    if (s.size === 0) this.#sets.delete(set);
  }

  async alive(set: string, now: number): Promise<string[]> {
    return [...(this.#sets.get(set) ?? [])].filter(([, until]) => until >= now).map(([m]) => m);
  }

  async aliveWithPrefix(set: string, prefix: string, now: number): Promise<string[]> {
    return [...(this.#sets.get(set) ?? [])]
      .filter(([m, until]) => until >= now && m.startsWith(prefix))
      .map(([m]) => m);
  }

  async aliveWithPrefixes(set: string, prefixes: string[], now: number): Promise<string[]> {
    return [...(this.#sets.get(set) ?? [])]
      .filter(([m, until]) => until >= now && prefixes.some((p) => m.startsWith(p)))
      .map(([m]) => m);
  }

  async sweep(set: string, now: number): Promise<string[]> {
    const expired = [...(this.#sets.get(set) ?? [])].filter(([, until]) => until < now).map(([m]) => m);
    await this.untouch(set, expired);
    return expired;
  }

  async timedSets(prefix: string): Promise<string[]> {
    return [...this.#sets.keys()].filter((k) => k.startsWith(prefix));
  }

  async mark(set: string, members: string[], ttlMs: number): Promise<void> {
    if (members.length === 0) return;
    const now = Date.now();
    for (const [k, v] of this.#marks) if (v.until <= now) this.#marks.delete(k);
    const current = this.#marks.get(set);
    const kept = current && current.until > now ? current.members : new Set<string>();
    for (const m of members) kept.add(m);
    this.#marks.set(set, { members: kept, until: now + ttlMs });
  }

  async marked(set: string): Promise<string[]> {
    const s = this.#marks.get(set);
    return s && s.until > Date.now() ? [...s.members] : [];
  }

  async hit(key: string, windowMs: number, count = 1): Promise<number> {
    const now = Date.now();
    if (this.#hits.size > 10_000) {
      for (const [k, v] of this.#hits) if (v.until <= now) this.#hits.delete(k);
    }
    const h = this.#hits.get(key);
    if (!h || h.until <= now) {
      this.#hits.set(key, { count, until: now + windowMs });
      return count;
    }
    return (h.count += count);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}
