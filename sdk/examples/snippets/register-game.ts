import { createMultiverseClient } from "@multiverse/sdk";

declare const url: string;

// snippet-start
const developer = createMultiverseClient({ url, developerKey: process.env.MULTIVERSE_DEVELOPER_KEY! });

const { game, apiKey } = await developer.registerGame({
  id: "moon-miners", // a slug: yours for good, never reused
  name: "Moon Miners",
  description: "Dig, trade, repeat.",
  tickEvery: 10, // a local tick every 10 control ticks
  realm: { name: "Crater", realmType: "mine", adjacency: "lunar", resonance: "industrial" },
});
// The API key is shown this once (only its hash is stored): keep it in your game server's secrets.
// Lost it? developer.rotateGameKey({ id: game.id }) makes a new one and retires the old.
const mv = createMultiverseClient({ url, apiKey });
// snippet-end

export { game, mv };
