import { buildApp } from "./app.ts";
import { ConfigError, loadConfig } from "./platform/config/env.ts";

/**
 * The server (`npm start` runs it from the sources, `npm run start:prod` bundled), with the
 * embedded database and bus unless configured otherwise.
 */
async function main(): Promise<void> {
  let config;
  let app;
  try {
    config = loadConfig();
    app = await buildApp(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every setting.\n`);
      process.exit(1);
    }
    throw err;
  }
  await app.start();
  const { logger } = app.services;

  const token = app.secrets.adminTokenGenerated
    ? `${app.secrets.adminToken}   (generated; kept in ${config.dataDir}/secrets.json)`
    : "taken from ADMIN_TOKEN";
  process.stdout.write(
    [
      "",
      "  Multiverse is running",
      `  Console      ${app.url}/admin   (GraphiQL at ${app.url}/admin/graphiql)`,
      `  GraphQL      ${app.url}/graphql`,
      `  Health       ${app.url}/healthz  ${app.url}/readyz  ${app.url}/metrics`,
      `  Database     ${app.databaseMode === "embedded" ? `embedded PGlite in ${config.dataDir}/pglite` : "DATABASE_URL"}`,
      `  Bus          ${config.redisUrl ? "Redis (REDIS_URL)" : "in memory (one process)"}`,
      `  Admin token  ${token}`,
      "",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info(
      { signal, graceSeconds: config.shutdownGraceSeconds },
      "shutting down: refusing new work, finishing running requests",
    );
    // app.stop() keeps within the grace period by itself; this is the backstop if it did not.
    const force = setTimeout(
      () => {
        logger.error("shutdown overran SHUTDOWN_GRACE_SECONDS: exiting");
        process.exit(1);
      },
      config.shutdownGraceSeconds * 1000 + 2_000,
    );
    force.unref();
    app.stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

await main();
