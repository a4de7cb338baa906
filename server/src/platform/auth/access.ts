import type { Prisma } from "../../generated/prisma/client.ts";
import type { GameStatus } from "../../generated/prisma/enums.ts";
import type { Tx } from "../db/client.ts";
import { badInput, forbidden, notFound } from "../errors/errors.ts";
import type { Principal } from "./principal.ts";

/**
 * The tenancy policy, in one place. Three levels of access to a game:
 * - `directory`: its public card (id, name, status, realms and their addresses). Any signed-in
 *   principal, so games can address each other; an unregistered game only for its owners.
 * - `private`: its rooms, players and events. Its owners, and its own players.
 * - `manage`: changing any of that. Its owners: the admin, its developer, and the game itself.
 * A game a principal may not see answers NOT_FOUND (its existence is not disclosed); one it
 * may see but not change answers FORBIDDEN.
 */
export type AccessLevel = "directory" | "private" | "manage";

export interface GameRef {
  id: string;
  developerId: string | null;
  status: GameStatus;
}

export function owns(p: Principal, game: GameRef): boolean {
  switch (p.kind) {
    case "admin":
      return true;
    case "developer":
      return game.developerId === p.developerId;
    case "game":
      return game.id === p.gameId;
    default:
      return false;
  }
}

function canSee(p: Principal, game: GameRef, level: AccessLevel): boolean {
  if (owns(p, game)) return true;
  if (p.kind === "anonymous") return false;
  if (level === "directory") return game.status !== "UNREGISTERED";
  return p.kind === "player" && p.gameId === game.id;
}

/** The games `p` sees in the directory, as a database filter (mirrors `canSee`). */
export function directoryWhere(p: Principal): Prisma.GameWhereInput {
  const registered: Prisma.GameWhereInput = { status: { not: "UNREGISTERED" } };
  switch (p.kind) {
    case "admin":
      return {};
    case "developer":
      return { OR: [registered, { developerId: p.developerId }] };
    case "game":
      return { OR: [registered, { id: p.gameId }] };
    case "player":
      return registered;
    default:
      return { id: { in: [] } };
  }
}

/**
 * What a refused caller is told was not found: the resource it named, not its game. `seen` is
 * the level at which that resource is visible (default `directory`: games and realms are in
 * the public directory; rooms and players are `private`). A caller who can see the resource
 * but not change it gets FORBIDDEN; one who cannot see it gets NOT_FOUND.
 */
export interface Hidden {
  what: string;
  id: string;
  seen?: "directory" | "private";
}

/**
 * Checks that `p` may access `game` at `level`; throws NOT_FOUND (naming `hidden`, default the
 * game) or FORBIDDEN otherwise. Managing an unregistered game is FORBIDDEN: it is read-only.
 */
export function checkGame<G extends GameRef>(
  p: Principal,
  game: G | null,
  level: AccessLevel,
  hidden: Hidden,
): asserts game is G {
  if (!game || !canSee(p, game, hidden.seen ?? "directory")) throw notFound(hidden.what, hidden.id);
  if (level === "private" && !canSee(p, game, "private")) {
    throw forbidden(`The rooms, players and events of game "${game.id}" are private to its owners and players`);
  }
  if (level === "manage") {
    if (!owns(p, game)) throw forbidden(`Only the owners of game "${game.id}" may change it`);
    if (game.status === "UNREGISTERED") throw forbidden(`Game "${game.id}" is unregistered and read-only`);
  }
}

/** Loads game `gameId` and applies `checkGame`. */
export async function requireGame(
  db: Tx,
  p: Principal,
  gameId: string,
  level: AccessLevel,
  hidden: Hidden = { what: "Game", id: gameId },
): Promise<GameRef> {
  const game = await db.game.findUnique({
    where: { id: gameId },
    select: { id: true, developerId: true, status: true },
  });
  checkGame(p, game, level, hidden);
  return game;
}

/**
 * Who may move a player: its game's owners, and the player itself (only itself, only within
 * its game). `game` is the player's game as loaded (null when it is gone).
 */
export function checkPlayerControl(p: Principal, player: { id: string; gameId: string }, game: GameRef | null): void {
  const hidden = { what: "Player", id: player.id, seen: "private" as const };
  if (p.kind === "player") {
    if (p.gameId !== player.gameId) throw notFound(hidden.what, hidden.id);
    if (p.playerId !== player.id) throw forbidden("A player may only move itself");
    checkGame(p, game, "private", hidden);
    return;
  }
  checkGame(p, game, "manage", hidden);
}

/**
 * The game a request acts for: `gameId` when given, else the calling game's own. Admins and
 * developers must name it (BAD_USER_INPUT otherwise).
 */
export function actingGameId(p: Principal, gameId: string | null | undefined): string {
  if (gameId) return gameId;
  if (p.kind === "game" || p.kind === "player") return p.gameId;
  throw badInput("gameId is required unless you call with a game API key or a player token", "gameId");
}
