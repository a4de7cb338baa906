import type { MultiverseClient, MultiverseEvent } from "@multiverse/sdk";

declare const mv: MultiverseClient;
declare function loadCheckpoint(): Promise<string | undefined>;
declare function saveCheckpoint(seq: string): Promise<void>;
declare function handle(event: MultiverseEvent): Promise<void>;

// snippet-start
// Within a process, the client resumes by itself. Across restarts of your process, keep the
// last seq you handled and pass it as `since`: the stream replays what came after it, then goes live.
const since = await loadCheckpoint(); // undefined the first time: start from now
for await (const event of mv.events({ since })) {
  await handle(event);
  await saveCheckpoint(event.seq!);
}
// snippet-end
