import { requirePlayerControl } from "../../platform/auth/access.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import { notFound } from "../../platform/errors/errors.ts";
import type { Services } from "../../platform/services.ts";
import { findPlayer } from "../players/players.service.ts";
import { requireRoom } from "./rooms.service.ts";

/**
 * Moves a player into `roomId` (or out of every room when null), in one transaction that locks
 * the player's row and bumps the version of each room whose occupants change.
 */
export async function movePlayer(services: Services, p: Principal, playerId: string, roomId: string | null) {
  const { prisma, realtime } = services;
  const player = await findPlayer(prisma, playerId);
  await requirePlayerControl(prisma, p, player);
  if (roomId !== null) {
    const room = await requireRoom(prisma, p, roomId, "private");
    if (room.gameId !== player.gameId) throw notFound("Room", roomId);
  }
  const { moved, from, versions } = await prisma.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ room_id: string | null }[]>`
      SELECT room_id::text FROM players WHERE id = ${playerId}::uuid FOR UPDATE`;
    if (!locked) throw notFound("Player", playerId);
    const from = locked.room_id;
    const changed = [from, roomId].filter((r): r is string => r !== null && from !== roomId);
    const versions = await realtime.occupancy.bump(tx, changed);
    const moved = await tx.player.update({ where: { id: playerId }, data: { roomId, lastSeenAt: new Date() } });
    return { moved, from, versions };
  });
  // After the commit: the rooms' watchers, each once, with the versions just committed. This is
  // best-effort: the move is committed, so the answer is the move; what could not be told (Redis
  // away) is logged, and watchers catch up with the room's version on its next change.
  let online: boolean;
  try {
    online = (await realtime.presence.online(player.gameId)).has(playerId);
  } catch (err) {
    services.logger.warn({ err, playerId }, "room change not published");
    return moved;
  }
  for (const { id, version } of versions) {
    const kind = id === from ? ("LEFT" as const) : ("JOINED" as const);
    await realtime.occupancy
      .publish(id, online ? { kind, playerId, cause: "MOVED" } : null, { version })
      .catch((err: unknown) => services.logger.warn({ err, roomId: id }, "room change not published"));
  }
  return moved;
}
