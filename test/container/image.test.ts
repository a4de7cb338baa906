// The container image (Dockerfile) as production runs it: built from the repository with a
// Node 20 base (here a local stand-in, scripts/container/build-base-image.sh: Docker Hub is out
// of reach), migrated by its one-shot command, then two containers on the host's network sharing
// the local Postgres and Redis: ready and healthy, serving the console, passing an event from
// one to the other, and stopping on SIGTERM with exit code 0 (node is PID 1, no shell between).
// Needs a Docker daemon; see test/support/docker.ts for when the suite steps aside.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { migrationNames, withDatabase } from "../support/database.ts";
import { buildProjectImage, docker, dockerUnavailable, PROJECT_IMAGE } from "../support/docker.ts";
import { gql } from "../support/graphql.ts";
import { freePort } from "../support/redis-server.ts";
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";
import { connectWs, subscribe } from "../support/ws.ts";

const IMAGE = PROJECT_IMAGE;
const run = randomBytes(4).toString("hex");

/** Runs `sql` on the test Postgres server's admin database. */
async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: inject("postgresUrl") });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe.skipIf(dockerUnavailable())("the container image", () => {
  // An empty database: the image's own migration command must set it up.
  const dbName = `${inject("databasePrefix")}_image_${run}`;
  let databaseUrl = "";
  const started: string[] = [];
  const node = (name: string, port: number) => ({
    name: `multiverse-test-${run}-${name}`,
    url: `http://127.0.0.1:${port}`,
  });
  let a: { name: string; url: string };
  let b: { name: string; url: string };

  /** Starts a server container on the host's network at `port`; its name. */
  async function startContainer(name: string, port: number): Promise<void> {
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: inject("redisUrl"),
      REDIS_KEY_PREFIX: `test:${run}:`,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      JWT_SECRET: TEST_JWT_SECRET,
      HOST: "127.0.0.1",
      PORT: String(port),
      MIGRATE_ON_START: "false",
      TICK_HZ: "10",
    };
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    await docker(["run", "-d", "--network", "host", "--name", name, ...envArgs, IMAGE]);
    started.push(name);
  }

  beforeAll(async () => {
    if (!inject("postgresUrl") || !inject("redisUrl")) throw new Error("the container suite needs Postgres and Redis");
    await buildProjectImage();
    await adminQuery(`CREATE DATABASE "${dbName}"`);
    databaseUrl = withDatabase(inject("postgresUrl"), dbName);
    a = node("a", await freePort());
    b = node("b", await freePort());
  }, 40 * 60_000);

  afterAll(async () => {
    for (const name of started) await docker(["rm", "-f", name]).catch(() => undefined);
    if (databaseUrl) await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  });

  it("holds the server's production dependencies only, and runs as the unprivileged node user", async () => {
    expect(await docker(["image", "inspect", "--format", "{{.Config.User}}", IMAGE])).toBe("node");
    expect(await docker(["run", "--rm", "--network", "host", IMAGE, "id", "-u"])).toBe("1000");
    const modules = (await docker(["run", "--rm", "--network", "host", IMAGE, "ls", "node_modules"])).split("\n");
    expect(modules).toEqual(expect.arrayContaining(["@prisma", "pg", "ioredis", "graphql", "ws", "express"]));
    for (const devOnly of ["typescript", "tsx", "esbuild", "prisma", "vitest", "vite", "graphiql", "eslint"]) {
      expect(modules, devOnly).not.toContain(devOnly);
    }
    const size = Number(await docker(["image", "inspect", "--format", "{{.Size}}", IMAGE]));
    console.log(`image ${IMAGE}: ${(size / 1e6).toFixed(0)} MB`);
  });

  it("migrates an empty database with its one-shot command, and finds nothing to do the second time", async () => {
    const migrate = ["run", "--rm", "--network", "host", "-e", `DATABASE_URL=${databaseUrl}`, IMAGE];
    const command = ["node", "--enable-source-maps", "server/dist/migrate.js"];
    expect(await docker([...migrate, ...command])).toBe(`applied: ${(await migrationNames()).join(", ")}`);
    expect(await docker([...migrate, ...command])).toBe("the database is up to date");
  }, 120_000);

  it("runs two containers that become ready and healthy, with node as PID 1, serving the console", async () => {
    await startContainer(a.name, Number(new URL(a.url).port));
    await startContainer(b.name, Number(new URL(b.url).port));
    for (const c of [a, b]) {
      const ready = async () => (await fetch(`${c.url}/readyz`).catch(() => undefined))?.status === 200;
      await waitUntil(`${c.name} to be ready`, ready, 90_000);
      // The image's HEALTHCHECK (fetch /readyz from inside) reports it healthy.
      await waitUntil(
        `${c.name} to be healthy`,
        async () => (await docker(["inspect", "--format", "{{.State.Health.Status}}", c.name])) === "healthy",
        90_000,
      );
      // Exec form: node itself is the first process, so signals reach it.
      const pid1 = await docker(["exec", c.name, "cat", "/proc/1/cmdline"]);
      expect(pid1.split("\0").filter(Boolean)).toEqual(["node", "--enable-source-maps", "server/dist/main.js"]);
    }
    const page = await fetch(`${a.url}/admin/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  }, 240_000);

  it("an event published on container A reaches a subscriber on container B", async () => {
    const ws = connectWs(b.url, TEST_ADMIN_TOKEN);
    await ws.connected;
    const events = subscribe<{ events: { seq: string; type: string; data: unknown } }>(
      ws,
      `subscription { events { seq type data } }`,
    );
    // Live once a tick from the leader (either container) reached B: its feed is subscribed.
    await subscribe<{ ticks: { number: string } }>(ws, `subscription { ticks { number } }`).received(1);
    const published = await gql<{ publishEvent: { seq: string } }>(
      a.url,
      `mutation { publishEvent(input: { type: "container-exchange", data: { from: "a" } }) { seq } }`,
      {},
      TEST_ADMIN_TOKEN,
    );
    expect(published.errors).toBeUndefined();
    const [got] = await events.received(1);
    expect(got!.events).toEqual({
      seq: published.data!.publishEvent.seq,
      type: "container-exchange",
      data: { from: "a" },
    });
    console.log(
      `published on ${a.name} (${a.url}): ${JSON.stringify(published.data)}\n` +
        `received on ${b.name} (${b.url}): ${JSON.stringify(got)}`,
    );
    await ws.dispose();
  }, 60_000);

  it("stops on SIGTERM: node drains and the container exits 0", async () => {
    await docker(["kill", "--signal", "SIGTERM", a.name]);
    expect(await docker(["wait", a.name], 60_000)).toBe("0");
    expect(await docker(["logs", a.name])).toContain('"msg":"stopped"');
  }, 60_000);
});
