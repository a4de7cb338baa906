import type { Game, MultiverseClient } from "@multiverse/sdk";

declare const developer: MultiverseClient;

// snippet-start
const games = new Map<string, Game>(); // a console's list, by id: always as the server has it

for await (const change of developer.gameChanges()) {
  if (change.kind === "SNAPSHOT") {
    // The first message (and the first after a reconnect): every game you watch.
    games.clear();
    for (const g of change.games ?? []) games.set(g.id, g);
  } else if (change.game) {
    // REGISTERED, UPDATED, STATUS_CHANGED, KEY_ROTATED, STALE, HEALTHY or UNREGISTERED.
    games.set(change.game.id, change.game);
    console.log(`${change.kind} ${change.game.id} (v${change.game.version})`, change.game.stale ? "stale" : "");
  }
}
// snippet-end
