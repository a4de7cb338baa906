import type { MultiverseClient } from "@multiverse/sdk";

declare const mv: MultiverseClient;

// snippet-start
const stop = mv.connection.onChange(({ state, previous, closeCode }) => {
  console.log(`connection: ${previous} → ${state}`, closeCode ? `(close code ${closeCode})` : "");
});
console.log(mv.connection.state); // "connecting" | "connected" | "reconnecting" | "closed"
stop(); // no more calls
// snippet-end
