import type { MultiverseClient } from "@multiverse/sdk";

declare const player: MultiverseClient; // a player's client: its token

// snippet-start
// A player's own room, kept current: where it is and who is there, again after every move.
for await (const room of player.myRoom()) {
  if (room.roomId === null) console.log("in no room");
  else if (!room.change)
    console.log(
      `now in ${room.roomId} with`,
      room.occupants.map((p) => p.displayName),
    );
  else console.log(`${room.change.playerId} ${room.change.kind}`);
}
// snippet-end
