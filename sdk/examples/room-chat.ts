// Two players talk in a room, over the SDK: a game (the tavern) lets its players chat, seats Ada
// and Brook in the hall and Cy in the cellar; each player's client follows its own `events`;
// Ada and Brook say things in the hall, Ada whispers to Brook, the game speaks to the hall. Each
// line printed is what one player's client received, so the conversation shows who heard what:
// Cy, in another room, hears none of it.
//
//   npm start                                   # in another terminal: prints the URL and the admin token
//   MULTIVERSE_ADMIN_TOKEN=… npm run example:chat
//
// Settings: MULTIVERSE_URL (default http://127.0.0.1:4000/graphql), MULTIVERSE_ADMIN_TOKEN (required).
import { randomBytes } from "node:crypto";
import {
  createMultiverseClient,
  MultiverseError,
  type MultiverseClient,
  type MultiverseEvent,
  type ResumableSubscription,
} from "@multiverse/sdk";

const url = process.env["MULTIVERSE_URL"] || "http://127.0.0.1:4000/graphql";
const adminToken = process.env["MULTIVERSE_ADMIN_TOKEN"];
if (!adminToken) {
  console.error("Set MULTIVERSE_ADMIN_TOKEN to the admin token `npm start` prints (its `Admin token` line).");
  process.exit(2);
}

const admin = createMultiverseClient({ url, adminToken });
const clients: MultiverseClient[] = [admin];
const gameId = `tavern-${randomBytes(3).toString("hex")}`;

try {
  const { game, apiKey } = await admin.registerGame({
    id: gameId,
    name: "The Tavern",
    developerName: "Example",
    playerEventTypes: ["chat.say", "chat.whisper"],
    realm: { name: "Town", realmType: "town", adjacency: "riverside", resonance: "mundane" },
  });
  const tavern = createMultiverseClient({ url, apiKey });
  clients.push(tavern);
  const realmId = game.realms[0]!.id;
  const hall = await tavern.createRoom({ realmId, name: "Hall" });
  const cellar = await tavern.createRoom({ realmId, name: "Cellar" });

  // Three players, seated by the game, each with a client of its own (its token).
  const names = new Map<string, string>();
  const seat = async (name: string, roomId: string) => {
    const player = await tavern.upsertPlayer({ externalId: name.toLowerCase(), displayName: name });
    await tavern.movePlayer({ playerId: player.id, roomId });
    const { token } = await tavern.issuePlayerToken({ playerId: player.id });
    const client = createMultiverseClient({ url, token });
    clients.push(client);
    names.set(player.id, name);
    return { id: player.id, name, client, heard: client.events() };
  };
  const ada = await seat("Ada", hall.id);
  const brook = await seat("Brook", hall.id);
  const cy = await seat("Cy", cellar.id);
  const everyone = [ada, brook, cy];
  await Promise.all(everyone.map((p) => p.heard.ready)); // from here on, nothing sent to them is missed

  const say = (who: typeof ada, text: string) =>
    who.client.publishEvent({ type: "chat.say", targetRoomId: hall.id, data: { text } });
  const lines: MultiverseEvent[] = [];
  lines.push(await say(ada, "Evening, Brook. Quiet night?"));
  lines.push(await say(brook, "Quiet enough. The cellar door's been rattling, though."));
  lines.push(
    await ada.client.publishEvent({
      type: "chat.whisper",
      targetPlayerId: brook.id,
      data: { text: "Cy went down there an hour ago." },
    }),
  );
  lines.push(await tavern.publishEvent({ type: "tavern.bell", targetRoomId: hall.id, data: { text: "Last orders!" } }));
  lines.push(await say(brook, "Then one more, and we go and look."));
  const last = lines.at(-1)!.seq!;

  /** What `p`'s client received up to the last line, as the conversation's lines. */
  const transcript = async (p: { name: string; heard: ResumableSubscription<MultiverseEvent> }) => {
    const out: string[] = [];
    // Cy hears nothing of the hall: a word from the game to Cy alone closes its stream.
    const end = p === cy ? (await tavern.publishEvent({ type: "tavern.note", targetPlayerId: cy.id })).seq! : last;
    for await (const e of p.heard) {
      const data = e.data as { text?: string };
      const from = e.sourcePlayerId ? names.get(e.sourcePlayerId) : "the tavern";
      const how = e.type === "chat.whisper" ? "whispers" : e.targetRoomId ? "says" : "tells you";
      if (data.text) out.push(`[${p.name} hears] ${from} ${how}: ${data.text}`);
      if (BigInt(e.seq!) >= BigInt(end)) break;
    }
    return out;
  };
  for (const p of everyone) {
    const heard = await transcript(p);
    console.log(heard.length > 0 ? heard.join("\n") : `[${p.name} hears] nothing (in the cellar)`);
  }
  await admin.unregisterGame({ id: gameId });
  console.log(`done: game ${gameId} unregistered`);
} catch (err) {
  console.error(err instanceof MultiverseError ? `${err.code}: ${err.message}` : err);
  process.exitCode = 1;
} finally {
  await Promise.all(clients.map((c) => c.close()));
}
