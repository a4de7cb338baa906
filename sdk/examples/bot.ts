// A small game bot on the SDK: it registers a game, opens a room, brings a few players in and out
// (heartbeating them, so they are online: a room's occupants are its online players), publishes
// events, and prints what it sees live: the room's occupants, its game's ticks, its events.
//
//   npm start                                   # in another terminal: prints the URL and the admin token
//   MULTIVERSE_ADMIN_TOKEN=… npm run example:bot
//
// Settings: MULTIVERSE_URL (default http://127.0.0.1:4000/graphql), MULTIVERSE_ADMIN_TOKEN
// (required), BOT_ROUNDS (default 6; one round a second). Ctrl-C stops it early.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createMultiverseClient, MultiverseError, type MultiverseClient, type Player } from "@multiverse/sdk";

const DEFAULT_URL = "http://127.0.0.1:4000/graphql";

function settings(): { url: string; adminToken: string; rounds: number } {
  const adminToken = process.env["MULTIVERSE_ADMIN_TOKEN"];
  if (!adminToken) {
    console.error(
      [
        "The bot needs the server's admin token in MULTIVERSE_ADMIN_TOKEN.",
        "`npm start` prints it on its `Admin token` line; then:",
        "",
        "  MULTIVERSE_ADMIN_TOKEN=<token> npm run example:bot",
        "",
        `MULTIVERSE_URL says where the server is (default ${DEFAULT_URL}).`,
      ].join("\n"),
    );
    process.exit(2);
  }
  const url = process.env["MULTIVERSE_URL"] || DEFAULT_URL;
  const rounds = Number(process.env["BOT_ROUNDS"] ?? 6);
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error(`BOT_ROUNDS must be a whole number of rounds (1 or more), not "${process.env["BOT_ROUNDS"]}"`);
    process.exit(2);
  }
  return { url, adminToken, rounds };
}

const names = ["Ada", "Grace", "Linus", "Margaret"];
const time = () => new Date().toISOString().slice(11, 23);
const log = (what: string, text: string) => console.log(`${time()}  ${what.padEnd(9)} ${text}`);

/** Prints the room's occupants as they change, until `signal` aborts; `onSnapshot` once it has the first. */
async function watchRoom(
  mv: MultiverseClient,
  roomId: string,
  signal: AbortSignal,
  byId: Map<string, Player>,
  onSnapshot: () => void,
) {
  for await (const { version, occupants, change } of mv.roomOccupants({ roomId }, { signal })) {
    if (!change) onSnapshot();
    const who = occupants.map((p) => p.displayName).join(", ") || "(nobody)";
    const what = change ? `${change.kind} ${byId.get(change.playerId)?.displayName} (${change.cause})` : "snapshot";
    log("occupants", `v${version} ${what}: ${who}`);
  }
}

async function watchTicks(mv: MultiverseClient, gameId: string, signal: AbortSignal) {
  for await (const tick of mv.ticks({ gameId }, { signal })) {
    log("tick", `#${tick.number} (${tick.durationMs.toFixed(1)} ms, ${tick.gamesSynced} games synced)`);
  }
}

async function watchEvents(mv: MultiverseClient, ready: (p: Promise<void>) => void, signal: AbortSignal) {
  const events = mv.events(undefined, { signal });
  ready(events.ready);
  for await (const e of events) {
    log("event", `#${e.seq} ${e.type} from ${e.sourceGameId ?? "the multiverse"} ${JSON.stringify(e.data)}`);
  }
}

async function main(): Promise<void> {
  const { url, adminToken, rounds } = settings();
  const admin = createMultiverseClient({ url, adminToken });
  const id = `bot-${randomBytes(3).toString("hex")}`;

  log("bot", `registering game ${id} at ${url}`);
  const { game, apiKey } = await admin.registerGame({
    id,
    name: `Bot ${id}`,
    developerName: "Example Bot",
    description: "Made by sdk/examples/bot.ts",
    tickEvery: 10, // a local tick every 10 control ticks: about one a second at the default TICK_HZ
    realm: { name: "Arena", realmType: "arena", adjacency: "bots", resonance: "mechanical" },
  });
  const mv = createMultiverseClient({ url, apiKey });
  mv.connection.onChange(({ previous, state, closeCode }) =>
    log("socket", `${previous} → ${state}${closeCode ? ` (close code ${closeCode})` : ""}`),
  );
  const room = await mv.createRoom({ realmId: game.realms[0]!.id, name: "Pit" });
  const players = await Promise.all(
    names.map((displayName, i) => mv.upsertPlayer({ externalId: `bot-player-${i}`, displayName })),
  );
  const byId = new Map(players.map((p) => [p.id, p]));
  log("bot", `game ${game.id}, room ${room.name} (${room.id}), players ${names.join(", ")}`);

  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  let eventsReady!: Promise<void>;
  let snapshotSeen!: () => void;
  const roomReady = new Promise<void>((resolve) => (snapshotSeen = resolve));
  const watchers = Promise.all([
    watchRoom(mv, room.id, stop.signal, byId, () => snapshotSeen()),
    watchTicks(mv, game.id, stop.signal),
    watchEvents(mv, (p) => (eventsReady = p), stop.signal),
  ]);
  // Move nobody before the room's watcher has its snapshot, so it sees every change.
  await Promise.all([eventsReady, roomReady]);

  // Online players: the game server vouches for them (PRESENCE_TTL_SECONDS is 15 s by default).
  const online = new Set<string>();
  const heartbeat = () => mv.heartbeat({ playerIds: [...online] });
  const beating = setInterval(() => void heartbeat().catch((err: unknown) => log("bot", `heartbeat: ${err}`)), 5_000);

  try {
    for (let round = 0; round < rounds && !stop.signal.aborted; round++) {
      const player = players[round % players.length]!;
      if (round < players.length) {
        online.add(player.id);
        await heartbeat();
        await mv.movePlayer({ playerId: player.id, roomId: room.id });
        await mv.publishEvent({ type: "bot.enter", data: { player: player.displayName, round } });
      } else {
        await mv.movePlayer({ playerId: player.id, roomId: null });
        await mv.publishEvent({ type: "bot.leave", data: { player: player.displayName, round } });
      }
      await sleep(1_000, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    clearInterval(beating);
    stop.abort();
    await watchers;
    await mv.close();
    await admin.unregisterGame({ id: game.id });
    log("bot", `done: game ${game.id} unregistered`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof MultiverseError && err.isNetworkError) {
    console.error(`bot: cannot reach the server (${err.message}). Is it running (npm start)? Is MULTIVERSE_URL right?`);
  } else if (err instanceof MultiverseError && err.code === "UNAUTHENTICATED") {
    console.error(`bot: the server refused MULTIVERSE_ADMIN_TOKEN (${err.message}). Use the token npm start printed.`);
  } else {
    console.error("bot:", err);
  }
  process.exit(1);
});
