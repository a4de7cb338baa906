import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { KEY_PREFIX } from "./credential-format.ts";

/** A new secret key: the prefix and 32 random bytes (base64url). Shown once, stored hashed. */
export function generateKey(kind: keyof typeof KEY_PREFIX): string {
  return KEY_PREFIX[kind] + randomBytes(32).toString("base64url");
}

/**
 * SHA-256 of a key, hex. Keys are 256 random bits, so a fast hash is enough (no salt or
 * stretching needed, unlike passwords), and it lets us look a key up by its hash.
 */
export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Compares two secrets in constant time. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}
