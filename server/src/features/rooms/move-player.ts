import { checkGame, checkPlayerControl, type GameRef } from "../../platform/auth/access.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import { notFound } from "../../platform/errors/errors.ts";
import { UUID } from "../../platform/graphql/validators.ts";
import type { Services } from "../../platform/services.ts";
import type { GameStatus } from "../../generated/prisma/enums.ts";
import { checkPlayerId } from "../players/players.service.ts";
import { checkRoomId } from "./rooms.service.ts";

/** What the access checks of a move need: the player's game and the room's, in one read. */
interface MoveFacts {
  game_id: string;
  developer_id: string | null;
  status: GameStatus;
  room_game_id: string | null;
  room_developer_id: string | null;
  room_status: GameStatus | null;
}

/**
 * Moves a player into `roomId` (or out of every room when null). The checks read the player,
 * its game and the room's game in one query; the move itself is one statement that locks the
 * player's row and bumps the version of each room whose occupants change (`RoomOccupancy.move`,
 * which commits concurrent moves together).
 */
export async function movePlayer(services: Services, p: Principal, playerId: string, roomId: string | null) {
  const { prisma, realtime } = services;
  checkPlayerId(playerId);
  const room = roomId !== null && UUID.test(roomId) ? roomId : null;
  const [facts] = await prisma.$queryRaw<MoveFacts[]>`
    SELECT p.game_id, g.developer_id::text, g.status::text,
           rg.id AS room_game_id, rg.developer_id::text AS room_developer_id, rg.status::text AS room_status
      FROM players p
      JOIN games g ON g.id = p.game_id
      LEFT JOIN rooms r ON r.id = ${room}::uuid
      LEFT JOIN realms rl ON rl.id = r.realm_id
      LEFT JOIN games rg ON rg.id = rl.game_id
     WHERE p.id = ${playerId}::uuid`;
  if (!facts) throw notFound("Player", playerId);
  const gameId = facts.game_id;
  checkPlayerControl(
    p,
    { id: playerId, gameId },
    { id: gameId, developerId: facts.developer_id, status: facts.status },
  );
  if (roomId !== null) {
    checkRoomId(roomId);
    const roomGame: GameRef | null =
      facts.room_game_id === null
        ? null
        : { id: facts.room_game_id, developerId: facts.room_developer_id, status: facts.room_status! };
    checkGame(p, roomGame, "private", { what: "Room", id: roomId, seen: "private" });
    if (roomGame.id !== gameId) throw notFound("Room", roomId);
  }
  const { player, published } = await realtime.occupancy.move({ playerId, gameId, roomId });
  // After the commit: the rooms' watchers, each once, with the versions just committed. This is
  // best-effort: the move is committed, so the answer is the move; what could not be told (Redis
  // away) is logged, and watchers catch up with the room's version on its next change.
  await published.catch((err: unknown) => services.logger.warn({ err, playerId }, "room change not published"));
  return player;
}
