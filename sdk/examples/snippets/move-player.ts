import type { MultiverseClient, Room } from "@multiverse/sdk";

declare const mv: MultiverseClient;
declare const lobby: Room;

// snippet-start
// Players belong to your game; externalId is your own id for them (upsert: safe to repeat).
const ada = await mv.upsertPlayer({ externalId: "user-1842", displayName: "Ada" });
await mv.movePlayer({ playerId: ada.id, roomId: lobby.id });

// A room's occupants are its *online* players. A player is online while its client holds a
// connection made with its token…
const { token, expiresAt } = await mv.issuePlayerToken({ playerId: ada.id });
// …or while your game server vouches for it: heartbeat more often than PRESENCE_TTL_SECONDS (15 s).
await mv.heartbeat({ playerIds: [ada.id] });

await mv.movePlayer({ playerId: ada.id, roomId: null }); // out of every room
// snippet-end

export { expiresAt, token };
