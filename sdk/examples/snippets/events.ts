import type { MultiverseClient } from "@multiverse/sdk";

declare const mv: MultiverseClient;

// snippet-start
const events = mv.events(); // events addressed to your game, broadcasts, and those you send
await events.ready; // from here on, nothing published is missed

// To one game, to every game with a realm at an address, or to all (no target):
await mv.publishEvent({ type: "trade.offer", targetGameId: "space-chess", data: { ore: 10, price: 3 } });
await mv.publishEvent({ type: "storm.warning", targetRealm: { adjacency: "lunar" }, data: { in: "5m" } });
// NEXT_TICK holds it until the next control tick; idempotencyKey makes a retry safe.
await mv.publishEvent({ type: "season.start", delivery: "NEXT_TICK", idempotencyKey: "season-7" });
// Many at once, all or none, with consecutive seqs in this order (at most MAX_EVENTS_PER_PUBLISH).
await mv.publishEvents({
  inputs: [
    { type: "wave", data: { n: 1 } },
    { type: "wave", data: { n: 2 } },
  ],
});

for await (const event of events) {
  console.log(`#${event.seq} ${event.type} from ${event.sourceGameId ?? "the multiverse"}`, event.data);
}
// snippet-end
