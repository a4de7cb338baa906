// `npm run demo`: a living multiverse on first start. It runs the server in this process
// (embedded, in memory; the console at its URL), registers three games (space-chess, tavern,
// forest: realms with addresses, rooms), and plays them with bots: players on their own
// connections who move between rooms, talk in them, whisper, and send their game servers
// commands, while the game servers heartbeat their players, answer, and send each other news.
//
//   npm run demo                      until Ctrl-C, printing what happens (docs/demo.md)
//   npm run demo -- --ticks 100       100 control ticks, then the summary, and exit 0
//   npm run demo -- --quiet --seed 7  no running commentary; other choices
import { setMaxListeners } from "node:events";
import { parseArgs } from "node:util";
import type { MultiverseClient } from "@multiverse/sdk";
import { ConfigError } from "../server/src/platform/config/env.ts";
import { Bot } from "./bot.ts";
import { GameServer } from "./game-server.ts";
import { narrate } from "./narrator.ts";
import { failed, type Print } from "./output.ts";
import { banner, startDemoServer } from "./server.ts";
import { buildWorld, type DemoRun } from "./setup.ts";
import { Tally } from "./tally.ts";

const USAGE = `npm run demo [-- [--ticks N] [--seed N] [--quiet]]
  --ticks N   stop after N control ticks (TICK_HZ a second) and print the summary; default: until Ctrl-C
  --seed N    the bots' and game servers' choices (default 1): the same seed makes the same choices
  --quiet     print only the banner and the summary
`;

interface Flags {
  ticks: number | undefined;
  seed: number;
  quiet: boolean;
}

function flags(): Flags {
  const usage = (problem: string): never => {
    process.stderr.write(`${problem}\n${USAGE}`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        ticks: { type: "string" },
        seed: { type: "string", default: "1" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    return usage((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const ticks = values.ticks === undefined ? undefined : Number(values.ticks);
  if (ticks !== undefined && !(Number.isInteger(ticks) && ticks >= 1)) {
    usage(`--ticks must be a whole number of ticks, 1 or more (got "${values.ticks}")`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) usage(`--seed must be a whole number (got "${values.seed}")`);
  return { ticks, seed, quiet: values.quiet };
}

/** Counts the control ticks (the admin gets every one) and stops the demo at `limit`, if any. */
async function countTicks(admin: MultiverseClient, tally: Tally, limit: number | undefined, stop: AbortController) {
  for await (const tick of admin.ticks(undefined, { signal: stop.signal })) {
    tally.tick(tick.number);
    if (limit !== undefined && tally.ticks >= limit) stop.abort();
  }
}

async function main(): Promise<void> {
  const { ticks, seed, quiet } = flags();
  const print: Print = quiet ? () => undefined : (l) => process.stdout.write(`${l}\n`);
  // Until the world is live there is nothing to wind down (everything is in memory): a signal
  // exits at once. From then on, it stops the bots and the server and prints the summary.
  const exitNow = () => process.exit(130);
  process.on("SIGINT", exitNow).on("SIGTERM", exitNow);

  const server = await startDemoServer();
  const world = await buildWorld(`${server.url}/graphql`, server.adminToken);
  process.stdout.write(banner(server, world.describe()));

  const tally = new Tally();
  for (const g of world.games) tally.addGame(g.plan.id, g.bots.length);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every subscription of every client listens to it
  const demo: DemoRun = { world, tally, print, signal: stop.signal, seed };
  const narrator = quiet ? undefined : await narrate(world, print, tally, stop.signal);
  const servers = world.games.map((g) => new GameServer(demo, g));
  const bots = world.games.flatMap((g) => g.bots.map((b) => new Bot(demo, g, b)));
  await Promise.all(servers.map((s) => s.start()));
  await Promise.all(bots.map((b) => b.start()));
  await Promise.all(bots.map((b) => b.greet()));
  for (const actor of [...servers, ...bots]) actor.play();

  process.off("SIGINT", exitNow).off("SIGTERM", exitNow);
  const onSignal = (signal: string) => {
    if (stop.signal.aborted) process.exit(1); // a second signal: no more waiting
    process.stderr.write(`\n${signal}: stopping the demo\n`);
    stop.abort();
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  process.stdout.write(
    ticks === undefined
      ? "The bots are playing. Ctrl-C stops the demo and prints its summary.\n"
      : `The bots are playing: the demo stops after ${ticks} control ticks.\n`,
  );
  // Without the ticks the demo cannot count, so it stops if they end (an error is a failure).
  const counting = countTicks(world.admin, tally, ticks, stop)
    .catch((err: unknown) => failed(tally, "multiverse", "tick counter", err))
    .finally(() => stop.abort());
  await new Promise((resolve) => stop.signal.addEventListener("abort", resolve, { once: true }));

  await Promise.all([counting, narrator?.done, ...servers.map((s) => s.done()), ...bots.map((b) => b.done())]);
  await world.close();
  await server.app.stop();
  process.stdout.write(`\n${tally.summary()}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(
    err instanceof ConfigError ? `${err.message}\n` : `demo: ${err instanceof Error ? err.stack : err}\n`,
  );
  process.exit(1);
});
