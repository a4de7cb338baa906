// snippet-start
import { createMultiverseClient } from "@multiverse/sdk";
import WebSocket from "ws";

const url = "http://localhost:4000/graphql"; // what `npm start` prints; a bare origin works too

// A game server, with the API key registerGame gave it:
const game = createMultiverseClient({ url, apiKey: process.env.GAME_API_KEY! });

// A player's client, with a token its game server issued (issuePlayerToken). A function is
// called again for every request and every reconnect, so it can hand out a fresh token:
const player = createMultiverseClient({
  url,
  token: async () => (await fetch("https://my-game.example/player-token")).text(),
});

// A developer (developerKey) registers games; an operator uses the admin token:
const admin = createMultiverseClient({ url, adminToken: process.env.MULTIVERSE_ADMIN_TOKEN! });

// Node 22+ and browsers have WebSocket built in; on Node 20 the SDK loads `ws` if it is
// installed, or takes the class you give it. `fetch` can be replaced the same way.
const node20 = createMultiverseClient({ url, apiKey: process.env.GAME_API_KEY!, webSocketImpl: WebSocket });
// snippet-end

export { admin, game, node20, player };
