import type { Game, MultiverseClient } from "@multiverse/sdk";

declare const mv: MultiverseClient;
declare const game: Game;

// snippet-start
const crater = game.realms[0]!; // the realm registerGame created
const lobby = await mv.createRoom({ realmId: crater.id, name: "Lobby", description: "Where miners meet" });

// More realms, each with its address in the multiverse (events can be sent to an address):
const station = await mv.createRealm({
  name: "Station",
  realmType: "station",
  adjacency: "lunar",
  resonance: "industrial",
});
const dock = await mv.createRoom({ realmId: station.id, name: "Dock" });
// snippet-end

export { dock, lobby };
