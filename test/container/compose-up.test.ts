// `docker-compose up` of docker-compose.yml as the README says (secrets in an .env file), on
// this machine: the repository's image (Dockerfile) on the local base, and local stand-ins for
// the official postgres, redis and caddy images (test/container/stand-ins: Docker Hub is out of
// reach). Everything runs on the host's network (every test talks to loopback, never to a
// container's bridge address), which takes two changes: the balancer's published port goes
// (Docker maps no ports on the host's network; it listens on its own port instead), and a second
// compose file sets the images, network_mode, the port each service listens on, and where the
// nodes find Postgres and Redis. The rest is the file as users run it: the health checks, the
// one-shot migration the nodes wait for, the restart policy, the Caddyfile (told its listen
// address and upstreams by its two variables).
// Checks: one URL serves API, console and GraphiQL; requests reach both nodes; WebSockets pass
// through Caddy and events cross the nodes; a node whose process dies is restarted; `docker-compose stop`
// drains both nodes to exit code 0.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildProjectImage,
  buildStandIns,
  docker,
  dockerUnavailable,
  PROJECT_IMAGE,
  runTool,
} from "../support/docker.ts";
import { gql } from "../support/graphql.ts";
import { ROOT } from "../support/process.ts";
import { freePort } from "../support/redis-server.ts";
import { waitUntil } from "../support/wait.ts";
import { connectWs, subscribe } from "../support/ws.ts";

const ADMIN_TOKEN = `compose-admin-${randomBytes(8).toString("hex")}`;
const ENV_FILE = `ADMIN_TOKEN=${ADMIN_TOKEN}\nJWT_SECRET=${randomBytes(24).toString("hex")}\n`;
const project = `multiverse-up-${randomBytes(3).toString("hex")}`;

describe.skipIf(dockerUnavailable())("docker-compose up", () => {
  let dir = "";
  let up = false;
  const port = { postgres: 0, redis: 0, api1: 0, api2: 0, lb: 0 };
  const lb = () => `http://127.0.0.1:${port.lb}`;
  const node = (n: 1 | 2) => `http://127.0.0.1:${n === 1 ? port.api1 : port.api2}`;

  /** docker-compose on the stack: the repository's file, the host-network overrides, the .env. */
  function compose(args: string[], timeoutMs = 120_000): Promise<string> {
    const files = ["-f", join(dir, "docker-compose.yml"), "-f", join(dir, "host-network.yml")];
    const all = ["-p", project, "--project-directory", ROOT, ...files, "--env-file", join(dir, ".env"), ...args];
    // Nothing from this process's environment: what the stack gets comes from the files.
    const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/root" };
    return runTool("docker-compose", all, { env, timeoutMs });
  }

  /** The container compose made for `service`. */
  const container = async (service: string) => (await compose(["ps", "-q", service])).trim();
  const state = async (service: string, field: string) =>
    docker(["inspect", "--format", `{{${field}}}`, await container(service)]);

  /** Query operations each node has answered (its own /metrics, not through the balancer). */
  async function queriesAnswered(n: 1 | 2): Promise<number> {
    const text = await (await fetch(`${node(n)}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith('multiverse_graphql_operations_total{type="query",outcome="ok"}'));
    return line ? Number(line.split(" ").pop()) : 0;
  }

  beforeAll(async () => {
    for (const key of Object.keys(port) as (keyof typeof port)[]) port[key] = await freePort();
    const [images] = await Promise.all([buildStandIns(), buildProjectImage()]);
    dir = await mkdtemp(join(tmpdir(), "multiverse-compose-up-"));
    await writeFile(join(dir, ".env"), ENV_FILE);
    const database = `postgresql://multiverse:multiverse@127.0.0.1:${port.postgres}/multiverse`;
    const api = (apiPort: number) => ({
      image: PROJECT_IMAGE,
      network_mode: "host",
      environment: {
        DATABASE_URL: database,
        REDIS_URL: `redis://127.0.0.1:${port.redis}`,
        HOST: "127.0.0.1",
        PORT: String(apiPort),
      },
    });
    // JSON is YAML: the override file, merged over docker-compose.yml key by key.
    const override = {
      services: {
        postgres: {
          image: images.postgres,
          network_mode: "host",
          command: ["postgres", "-c", "listen_addresses=127.0.0.1", "-p", String(port.postgres)],
          healthcheck: {
            test: [
              "CMD",
              "pg_isready",
              "-h",
              "127.0.0.1",
              "-p",
              String(port.postgres),
              "-U",
              "multiverse",
              "-d",
              "multiverse",
            ],
          },
        },
        redis: {
          image: images.redis,
          network_mode: "host",
          command: ["redis-server", "--appendonly", "yes", "--bind", "127.0.0.1", "--port", String(port.redis)],
          healthcheck: { test: ["CMD", "redis-cli", "-p", String(port.redis), "ping"] },
        },
        migrate: { image: PROJECT_IMAGE, network_mode: "host", environment: { DATABASE_URL: database } },
        "api-1": api(port.api1),
        "api-2": api(port.api2),
        lb: {
          image: images.caddy,
          network_mode: "host",
          environment: {
            MULTIVERSE_SITE: `:${port.lb}`,
            MULTIVERSE_UPSTREAMS: `127.0.0.1:${port.api1} 127.0.0.1:${port.api2}`,
          },
        },
      },
    };
    await writeFile(join(dir, "host-network.yml"), JSON.stringify(override, null, 2));
    // The repository's file less the published port (an override can add ports, not take them away).
    const published = /\n {4}ports:\n {6}- "\$\{MULTIVERSE_PORT:-4000\}:80"\n/;
    const file = await readFile(join(ROOT, "docker-compose.yml"), "utf8");
    expect(file).toMatch(published);
    await writeFile(join(dir, "docker-compose.yml"), file.replace(published, "\n"));
    up = true;
    // Returns once the load balancer started, which waits for both nodes to be healthy, which
    // wait for the migration to succeed, which waits for Postgres to be healthy.
    const startedAt = performance.now();
    await compose(["up", "-d", "--no-build"], 10 * 60_000);
    console.log(`docker-compose up -d: ${Math.round((performance.now() - startedAt) / 1000)} s`);
  }, 45 * 60_000);

  afterAll(async () => {
    if (up) await compose(["down", "--volumes", "--remove-orphans", "--timeout", "20"]).catch((e) => console.error(e));
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it("migrates once, then both nodes and the balancer run healthy", async () => {
    expect(await state("migrate", ".State.Status")).toBe("exited");
    expect(await state("migrate", ".State.ExitCode")).toBe("0");
    for (const service of ["postgres", "redis", "api-1", "api-2"]) {
      await waitUntil(
        `${service} to be healthy`,
        async () => (await state(service, ".State.Health.Status")) === "healthy",
        90_000,
      );
    }
    expect(await state("lb", ".State.Status")).toBe("running");
    expect(await state("api-1", ".HostConfig.RestartPolicy.Name")).toBe("unless-stopped");
  }, 120_000);

  it("serves API, console and GraphiQL at one URL", async () => {
    await waitUntil(
      "the balancer to answer",
      async () => (await fetch(`${lb()}/readyz`).catch(() => undefined))?.ok,
      30_000,
    );
    const page = await fetch(`${lb()}/admin/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const browser = await fetch(`${lb()}/graphql`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toMatch(/^\/admin\/graphiql/);
    const answer = await gql<{ universe: { games: number } }>(lb(), `{ universe { games } }`, {}, ADMIN_TOKEN);
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ universe: { games: 0 } });
  });

  it("spreads requests over both nodes", async () => {
    const before = [await queriesAnswered(1), await queriesAnswered(2)];
    for (let i = 0; i < 10; i++) {
      expect((await gql(lb(), `query Probe { __typename }`, {}, ADMIN_TOKEN)).errors).toBeUndefined();
    }
    const after = [await queriesAnswered(1), await queriesAnswered(2)];
    expect(after[0]! - before[0]! + after[1]! - before[1]!).toBe(10);
    expect(after[0]! - before[0]!, "queries node 1 answered").toBeGreaterThan(0);
    expect(after[1]! - before[1]!, "queries node 2 answered").toBeGreaterThan(0);
  });

  it("passes WebSockets through the balancer: a subscriber gets what is published on either node", async () => {
    const ws = connectWs(lb(), ADMIN_TOKEN);
    await ws.connected;
    const events = subscribe<{ events: { type: string; data: { on: string } } }>(
      ws,
      `subscription { events { type data } }`,
    );
    // Live once a tick from the leader (either node) came through: the feed is subscribed.
    await subscribe<{ ticks: { number: string } }>(ws, `subscription { ticks { number } }`).received(1);
    for (const [n, url] of [
      [1, node(1)],
      [2, node(2)],
      ["balancer", lb()],
    ] as const) {
      const published = await gql(
        url,
        `mutation { publishEvent(input: { type: "compose", data: { on: "${n}" } }) { seq } }`,
        {},
        ADMIN_TOKEN,
      );
      expect(published.errors).toBeUndefined();
    }
    const got = await events.received(3);
    expect(got.map((e) => e.events)).toEqual([
      { type: "compose", data: { on: "1" } },
      { type: "compose", data: { on: "2" } },
      { type: "compose", data: { on: "balancer" } },
    ]);
    await ws.dispose();
  }, 60_000);

  it("restarts a node that dies (restart: unless-stopped), and the balancer keeps answering", async () => {
    const id = await container("api-1");
    const restartsBefore = Number(await docker(["inspect", "--format", "{{.RestartCount}}", id]));
    // A crash, not a stop: `docker kill` would count as stopping it by hand, which the policy respects.
    process.kill(Number(await docker(["inspect", "--format", "{{.State.Pid}}", id])), "SIGKILL");
    await waitUntil(
      "api-1 to be restarted and healthy",
      async () =>
        Number(await docker(["inspect", "--format", "{{.RestartCount}}", id])) > restartsBefore &&
        (await docker(["inspect", "--format", "{{.State.Health.Status}}", id])) === "healthy",
      90_000,
    );
    for (let i = 0; i < 4; i++) expect((await gql(lb(), `{ __typename }`, {}, ADMIN_TOKEN)).errors).toBeUndefined();
  }, 120_000);

  it("stops: SIGTERM drains each node, which exits 0", async () => {
    await compose(["stop", "--timeout", "20", "lb", "api-1", "api-2"]);
    for (const service of ["api-1", "api-2"]) {
      expect(await state(service, ".State.ExitCode"), service).toBe("0");
      expect(await docker(["logs", await container(service)])).toContain('"msg":"stopped"');
    }
  }, 120_000);
});
