import type { World } from "./fixtures.ts";
import { TEST_ADMIN_TOKEN } from "./server.ts";

/**
 * The principals the authorization matrices try, in their column order: nobody, the admin,
 * developers A and B, the game keys of game-a and game-b, and a player token of each game
 * (the world of `seedWorld`).
 */
export const PRINCIPALS = ["anonymous", "admin", "devA", "devB", "gameA", "gameB", "playerA1", "playerB1"] as const;
export type Who = (typeof PRINCIPALS)[number];

/** The answers a matrix cell expects: success, or the error code. */
export const OK = "ok";
export const UN = "UNAUTHENTICATED";
export const FB = "FORBIDDEN";
export const NF = "NOT_FOUND";
export const BI = "BAD_USER_INPUT";

/** The credential `who` signs in with in the seeded world `w` (undefined: anonymous). */
export function credentialOf(w: World, who: Who): string | undefined {
  switch (who) {
    case "anonymous":
      return undefined;
    case "admin":
      return TEST_ADMIN_TOKEN;
    case "devA":
      return w.devA.key;
    case "devB":
      return w.devB.key;
    case "gameA":
      return w.gameA.apiKey;
    case "gameB":
      return w.gameB.apiKey;
    case "playerA1":
      return w.gameA.players[0]!.token;
    case "playerB1":
      return w.gameB.players[0]!.token;
  }
}
