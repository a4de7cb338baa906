import type { MultiverseClient, Room } from "@multiverse/sdk";

declare const mv: MultiverseClient;
declare const lobby: Room;

// snippet-start
const controller = new AbortController(); // controller.abort() stops it from anywhere

for await (const update of mv.roomOccupants({ roomId: lobby.id }, { signal: controller.signal })) {
  const names = update.occupants.map((p) => p.displayName).join(", ") || "nobody";
  // The first message is the snapshot (no change); then one message per change.
  const what = update.change ? `${update.change.kind} (${update.change.cause})` : "snapshot";
  console.log(`v${update.version} ${what}: ${names}`);
  if (update.occupants.length === 0) break; // break stops it too
}
// snippet-end
