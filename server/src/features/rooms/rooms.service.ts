import { requireGame, type AccessLevel } from "../../platform/auth/access.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import type { Tx } from "../../platform/db/client.ts";
import { badInput, notFound } from "../../platform/errors/errors.ts";
import { UUID } from "../../platform/graphql/validators.ts";

/** BAD_USER_INPUT unless `id` can be a room id. */
export function checkRoomId(id: string, field = "roomId"): void {
  if (!UUID.test(id)) throw badInput(`${field} must be a room id (a UUID)`, field);
}

/**
 * Loads room `id` with its game id and checks `p`'s access to that game at `level`. A room the
 * caller may not see is NOT_FOUND; an id that is not a UUID is BAD_USER_INPUT.
 */
export async function requireRoom(db: Tx, p: Principal, id: string, level: AccessLevel, field = "roomId") {
  checkRoomId(id, field);
  const room = await db.room.findUnique({ where: { id }, include: { realm: { select: { gameId: true } } } });
  if (!room) throw notFound("Room", id);
  await requireGame(db, p, room.realm.gameId, level, { what: "Room", id, seen: "private" });
  return { ...room, gameId: room.realm.gameId };
}
