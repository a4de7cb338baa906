import type { MultiverseClient } from "@multiverse/sdk";

declare const game: MultiverseClient; // the game server: its API key
declare const player: MultiverseClient; // a player's client: its token (issuePlayerToken)
declare const hallId: string;
declare const bobId: string;

// snippet-start
// The game server says what its players may send, and may speak to a room or a player itself:
await game.updateGame({ id: "tavern", input: { playerEventTypes: ["chat.say", "chat.whisper", "cmd.look"] } });
await game.publishEvent({ type: "door.opened", targetRoomId: hallId, data: { door: "north" } });

// The player hears what is said in its room while it is there, its whispers, and what its game
// sends it or its room; never what was said before it came in.
const heard = player.events();
await heard.ready;
await player.publishEvent({ type: "chat.say", targetRoomId: hallId, data: { text: "hello, hall" } });
await player.publishEvent({ type: "chat.whisper", targetPlayerId: bobId, data: { text: "psst" } });
await player.publishEvent({ type: "cmd.look" }); // no target: for its game's server alone

for await (const e of heard) {
  const where = e.targetRoomId ? "in the room" : "to you";
  console.log(`${e.sourcePlayerId ?? e.sourceGameId} ${where}: ${e.type}`, e.data);
}
// snippet-end
