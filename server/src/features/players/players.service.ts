import type { PrismaClient } from "../../platform/db/client.ts";
import { badInput, notFound } from "../../platform/errors/errors.ts";
import { UUID } from "../../platform/graphql/validators.ts";

/** BAD_USER_INPUT unless `id` can be a player id. */
export function checkPlayerId(id: string, field = "playerId"): void {
  if (!UUID.test(id)) throw badInput(`${field} must be a player id (a UUID)`, field);
}

export async function findPlayer(prisma: PrismaClient, id: string, field = "playerId") {
  checkPlayerId(id, field);
  const player = await prisma.player.findUnique({ where: { id } });
  if (!player) throw notFound("Player", id);
  return player;
}
