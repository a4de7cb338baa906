import type { PrismaClient } from "../db/client.ts";
import { unauthenticated } from "../errors/errors.ts";
import { credentialKind } from "./credential-format.ts";
import { hashKey, secretsEqual } from "./keys.ts";
import type { PlayerTokens } from "./player-tokens.ts";
import type { PrincipalCache } from "./principal-cache.ts";
import type { Principal } from "./principal.ts";

export interface AuthDeps {
  prisma: PrismaClient;
  adminToken: string;
  playerTokens: PlayerTokens;
  /** Where keys and tokens seen lately are remembered (principal-cache.ts); none: every time afresh. */
  cache?: PrincipalCache;
}

/** The credential in an `Authorization` header value (`Bearer …`); undefined when absent. */
export function bearerCredential(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthenticated("The Authorization header must be `Bearer <credential>`");
  return match[1];
}

/**
 * Resolves a credential to its principal: the admin token, a developer key (`mvd_…`), a game
 * API key (`mvg_…`) or a player token (JWT). No credential is the anonymous principal; a
 * credential that matches nothing, or a revoked or expired one, throws UNAUTHENTICATED. Used by
 * HTTP and WebSocket alike.
 */
export async function authenticate(credential: string | undefined, deps: AuthDeps): Promise<Principal> {
  if (credential === undefined) return { kind: "anonymous" };
  if (credential.length > 4096) throw unauthenticated("The credential is not valid");
  if (credentialKind(credential) === "other") {
    if (secretsEqual(credential, deps.adminToken)) return { kind: "admin" };
    throw unauthenticated(NOT_VALID);
  }
  return deps.cache ? deps.cache.get(credential, () => lookUp(credential, deps)) : lookUp(credential, deps);
}

const NOT_VALID = "The credential is not valid (revoked, mistyped or of an unregistered game)";

/** The principal of a key or a player token, read from the database. */
async function lookUp(credential: string, deps: AuthDeps): Promise<Principal> {
  const kind = credentialKind(credential);
  if (kind === "developer-key") {
    const dev = await deps.prisma.developer.findUnique({
      where: { keyHash: hashKey(credential) },
      select: { id: true, name: true },
    });
    if (dev) return { kind: "developer", developerId: dev.id, name: dev.name };
  } else if (kind === "game-key") {
    const game = await deps.prisma.game.findUnique({
      where: { apiKeyHash: hashKey(credential) },
      select: { id: true, status: true },
    });
    if (game && game.status !== "UNREGISTERED") return { kind: "game", gameId: game.id };
  } else if (kind === "player-token") {
    const claims = await deps.playerTokens.verify(credential);
    if (claims) {
      const player = await deps.prisma.player.findUnique({
        where: { id: claims.playerId },
        select: { gameId: true, game: { select: { status: true } } },
      });
      if (player && player.gameId === claims.gameId && player.game.status !== "UNREGISTERED") {
        return { kind: "player", playerId: claims.playerId, gameId: claims.gameId, expiresAt: claims.expiresAt };
      }
    }
    throw unauthenticated("The player token is invalid or expired: ask the game server for a new one");
  }
  throw unauthenticated(NOT_VALID);
}
