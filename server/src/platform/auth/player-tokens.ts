import { jwtVerify, SignJWT, errors as joseErrors } from "jose";
import { UUID } from "../db/uuid.ts";

const ISSUER = "multiverse";
const AUDIENCE = "multiverse:player";

export interface PlayerClaims {
  playerId: string;
  gameId: string;
}

export interface VerifiedPlayerClaims extends PlayerClaims {
  expiresAt: Date;
}

/** Short-lived player tokens: HS256 JWTs signed with `JWT_SECRET`. */
export class PlayerTokens {
  readonly #key: Uint8Array;

  constructor(
    secret: string,
    /** Lifetime in seconds (default 900). */
    readonly ttlSeconds = 900,
  ) {
    this.#key = new TextEncoder().encode(secret);
  }

  async issue(claims: PlayerClaims, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.ttlSeconds;
    const token = await new SignJWT({ gid: claims.gameId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.playerId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.#key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * The claims of a valid token; `null` when it is malformed, forged or expired, or names no
   * player id (a well-signed token whose `sub` is not a UUID is refused here, not by Postgres).
   */
  async verify(token: string): Promise<VerifiedPlayerClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ["HS256"],
      });
      if (
        typeof payload.sub !== "string" ||
        !UUID.test(payload.sub) ||
        typeof payload["gid"] !== "string" ||
        payload.exp === undefined
      ) {
        return null;
      }
      return { playerId: payload.sub, gameId: payload["gid"], expiresAt: new Date(payload.exp * 1000) };
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return null;
      throw err;
    }
  }
}
