import { createMultiverseClient } from "@multiverse/sdk";

const url = process.env.MULTIVERSE_URL ?? "http://localhost:4000/graphql";
const admin = createMultiverseClient({ url, adminToken: process.env.MULTIVERSE_ADMIN_TOKEN! });
const { game, apiKey } = await admin.registerGame({
  id: "space-chess",
  name: "Space Chess",
  developerName: "Ada",
  realm: { name: "Board", realmType: "arena", adjacency: "core", resonance: "cosmic" },
});
const mv = createMultiverseClient({ url, apiKey }); // from now on, act as the game
const room = await mv.createRoom({ realmId: game.realms[0]!.id, name: "Lobby" });
const ada = await mv.upsertPlayer({ externalId: "ada", displayName: "Ada" });
await mv.heartbeat({ playerIds: [ada.id] }); // the game vouches for Ada: she is online

for await (const { occupants, change } of mv.roomOccupants({ roomId: room.id })) {
  console.log(change?.kind ?? "snapshot", occupants.map((p) => p.displayName).join(", "));
  if (!change) await mv.movePlayer({ playerId: ada.id, roomId: room.id });
}
