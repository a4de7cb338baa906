// The demo's server: the real one (server/src/app.ts), built in this process, embedded and in
// memory, so every run starts from an empty multiverse and leaves nothing behind.
import { buildApp, type App } from "../server/src/app.ts";
import { ConfigError, loadConfig, type Config } from "../server/src/platform/config/env.ts";

/**
 * Settings the demo does not take from the environment: it always runs embedded and in memory,
 * so it never touches `npm start`'s `.data/` or a real deployment's Postgres and Redis, and its
 * fixed game ids (`space-chess`, `tavern`, `forest`) are free on every start.
 */
const IGNORED = ["DATABASE_URL", "REDIS_URL", "DATA_DIR"];

/** The running server and how to reach it. */
export interface DemoServer {
  app: App;
  config: Config;
  /** The base URL, e.g. `http://127.0.0.1:4000`. */
  url: string;
  adminToken: string;
  /** Settings of the environment the demo left out (see IGNORED). */
  ignored: string[];
}

/**
 * Reads the configuration as `npm start` does, minus IGNORED, with the server's own logs at
 * `warn` unless LOG_LEVEL says otherwise (the demo prints its own lines), and starts the server.
 * Throws a ConfigError for a bad setting, or when TICK_HZ is 0: the demo's bots act on ticks.
 */
export async function startDemoServer(env: NodeJS.ProcessEnv = process.env): Promise<DemoServer> {
  const ignored = IGNORED.filter((k) => env[k]);
  const kept = Object.fromEntries(Object.entries(env).filter(([k]) => !IGNORED.includes(k)));
  const config = loadConfig({ LOG_LEVEL: "warn", ...kept, DATA_DIR: "memory://" });
  if (config.tickHz === 0) {
    throw new ConfigError(
      "The demo needs the control tick: its bots act on their games' ticks. Unset TICK_HZ or make it more than 0.",
    );
  }
  const app = await buildApp(config);
  try {
    await app.start();
  } catch (err) {
    // The caller exits: nothing else runs in this process.
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new ConfigError(
        `Port ${config.port} is taken (is \`npm start\` running?). Stop that, or choose another: PORT=${config.port + 1} npm run demo`,
      );
    }
    throw err;
  }
  return { app, config, url: app.url, adminToken: app.secrets.adminToken, ignored };
}

/** What the demo prints when its world is up: where the console is, and how to sign in. */
export function banner(server: DemoServer, world: string): string {
  const { url, config } = server;
  return [
    "",
    "  The Multiverse demo is running",
    `  Console      ${url}/admin   (sign in with the admin token below)`,
    `  GraphQL      ${url}/graphql`,
    `  Admin token  ${server.adminToken}`,
    `  Database     embedded PGlite in memory (gone when the demo stops)`,
    `  World        ${world}`,
    `  Pace         TICK_HZ=${config.tickHz} control ticks a second; each game acts on its own local ticks`,
    ...(server.ignored.length > 0
      ? [`  Ignored      ${server.ignored.join(", ")}: the demo always runs in memory`]
      : []),
    "",
    "",
  ].join("\n");
}
