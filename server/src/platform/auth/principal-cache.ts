import { hashKey } from "./keys.ts";
import type { Principal } from "./principal.ts";

/** Most credentials remembered at once; past it the oldest is forgotten first. */
const MAX_ENTRIES = 100_000;

/**
 * The principals of credentials seen lately, for `ttlMs`: a request need not read its key's row
 * (or verify its token) each time. Entries are keyed by the credential's SHA-256, never the
 * credential. Whoever ends a credential (a rotated key, an unregistered game) calls `forget`
 * at once on its own node, and every node on hearing it over the bus (CredentialWatch); the TTL
 * bounds how long a node that did not hear it may still accept it. A player token is never
 * taken past its expiry. `ttlMs` 0 remembers nothing.
 */
export class PrincipalCache {
  readonly #entries = new Map<string, { principal: Principal; until: number }>();
  /** Counts `forget` calls: a lookup that overlapped one may have read what it ended. */
  #forgets = 0;

  constructor(private readonly ttlMs: number) {}

  /** The principal for `credential`: remembered, or `resolve`d and remembered. */
  async get(credential: string, resolve: () => Promise<Principal>): Promise<Principal> {
    if (this.ttlMs === 0) return resolve();
    const key = hashKey(credential);
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.principal;
    if (hit) this.#entries.delete(key);
    const forgets = this.#forgets;
    const principal = await resolve();
    // Read before a credential ended and answered after: right for this request, not to keep.
    if (forgets !== this.#forgets) return principal;
    let until = now + this.ttlMs;
    if (principal.kind === "player" && principal.expiresAt) until = Math.min(until, principal.expiresAt.getTime());
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { principal, until });
    return principal;
  }

  /** Forgets every remembered principal `ended` says no longer holds. */
  forget(ended: (p: Principal) => boolean): void {
    this.#forgets++;
    for (const [key, { principal }] of this.#entries) if (ended(principal)) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
