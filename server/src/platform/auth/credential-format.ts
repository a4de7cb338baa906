/** Prefixes tell the key kinds apart without a database lookup. */
export const KEY_PREFIX = { developer: "mvd_", game: "mvg_" } as const;

/** What a credential is, by its shape alone. */
export type CredentialKind = "developer-key" | "game-key" | "player-token" | "other";

/** A JWT has three dot-separated base64url parts. */
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * The credential formats, in one place: authentication tells the kinds apart by their shape,
 * and the configuration keeps ADMIN_TOKEN from looking like any other kind ("other" is the
 * admin token, or nothing valid).
 */
export function credentialKind(credential: string): CredentialKind {
  if (credential.startsWith(KEY_PREFIX.developer)) return "developer-key";
  if (credential.startsWith(KEY_PREFIX.game)) return "game-key";
  if (JWT.test(credential)) return "player-token";
  return "other";
}
