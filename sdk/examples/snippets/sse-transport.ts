import { createMultiverseClient } from "@multiverse/sdk";

declare const apiKey: string;

// snippet-start
const overSse = createMultiverseClient({ url: "http://localhost:4000/graphql", apiKey, transport: "sse" });
for await (const tick of overSse.ticks()) {
  console.log(tick.number);
  break;
}
await overSse.close();
// snippet-end
