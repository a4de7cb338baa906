import { MultiverseError, type MultiverseClient } from "@multiverse/sdk";

declare const mv: MultiverseClient;
declare function step(tick: string): Promise<void>;

// snippet-start
// Opt in: the tick leader then waits for your game (TICK_BARRIER_MS at most) before each next tick.
await mv.updateGame({ id: "moon-miners", input: { tickBarrier: true } });

for await (const tick of mv.ticks()) {
  if (tick.lateGameIds.includes("moon-miners")) console.log("the tick before gave up waiting for us");
  await step(tick.number); // your game's work for this tick
  try {
    await mv.completeTick({ number: tick.number }); // done: the next tick need not wait for us
  } catch (err) {
    // Too slow: that tick is over (the leader gave up on us), or a later one arrived meanwhile.
    if (!(err instanceof MultiverseError && err.field === "number")) throw err;
  }
}
// snippet-end
