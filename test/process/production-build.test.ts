// The production build (`npm run build`: scripts/build-server.ts) run as `npm run start:prod`
// runs it: the bundle under plain node, no tsx, in a process of its own (embedded mode). Bundling
// moves the code, so paths derived from import.meta.url move with it (server/src/repository.ts
// owns them), and renames top-level names that collide across modules, so a GraphQL type named
// after its class could silently change name: the bundle must find the migrations and the
// console, answer, and serve exactly schema/schema.graphql.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildClientSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
  type IntrospectionQuery,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServerCopy, PRODUCTION_NODE_ARGS } from "../../scripts/build-server.ts";
import { gql } from "../support/graphql.ts";
import {
  ensureAdminConsoleBuilt,
  ROOT,
  spawnServer,
  startServerProcess,
  type ServerProcess,
} from "../support/process.ts";

// Building takes a second or two; the server then starts PGlite and migrates (up to a minute on a
// loaded machine).
describe("the production build", { timeout: 120_000 }, () => {
  let build: Awaited<ReturnType<typeof buildServerCopy>> | undefined;
  let server: { proc: ServerProcess; url: string; token: string };
  const nodeArgs = () => [...PRODUCTION_NODE_ARGS, build!.entry];

  beforeAll(async () => {
    ensureAdminConsoleBuilt();
    build = await buildServerCopy("test");
    server = await startServerProcess({ DATA_DIR: "memory://" }, nodeArgs());
  }, 240_000);
  afterAll(async () => {
    if (server && server.proc.child.exitCode === null) {
      server.proc.child.kill("SIGKILL");
      await server.proc.exited;
    }
    await build?.remove();
  });

  it("is what package.json builds and starts: plain JavaScript, no keepNames, a linked source map", async () => {
    const pkg = JSON.parse(await readFile(`${ROOT}package.json`, "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["build"]).toBe("node --import tsx scripts/build-server.ts");
    // `exec`: the shell npm runs the script in gives way to node, so a SIGTERM sent to npm (by a
    // process manager) reaches the server; without it npm exits and leaves the server running.
    expect(pkg.scripts["start:prod"]).toBe(["exec node", ...PRODUCTION_NODE_ARGS, "server/dist/main.js"].join(" "));

    const code = await readFile(build!.entry, "utf8");
    expect(code).not.toContain("__name("); // keepNames would wrap every named closure
    expect(code.trimEnd().endsWith("//# sourceMappingURL=main.js.map")).toBe(true);
    const map = JSON.parse(await readFile(`${build!.entry}.map`, "utf8")) as { sources: string[] };
    expect(map.sources).toContain("../src/main.ts");
  });

  it("migrates from prisma/migrations and answers /healthz, /readyz and GraphQL", async () => {
    const migrations = (await readdir(`${ROOT}prisma/migrations`, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(server.proc.output()).toContain(`"applied":${JSON.stringify(migrations)}`);

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(await ready.json()).toEqual({ status: "ready", checks: { postgres: "ok", bus: "ok" } });

    const registered = await gql<{ registerGame: { game: { id: string; status: string } } }>(
      server.url,
      `mutation { registerGame(input: { id: "bundled-game", name: "Bundled", developerName: "Ada",
         realm: { name: "R", realmType: "t", adjacency: "a", resonance: "r" } }) { game { id status } } }`,
      {},
      server.token,
    );
    expect(registered.errors).toBeUndefined();
    expect(registered.data?.registerGame.game.id).toBe("bundled-game");
    const universe = await gql(server.url, "{ universe { games } }", {}, server.token);
    expect(universe.data).toEqual({ universe: { games: 1 } });
  });

  it("serves the admin console from admin/dist", async () => {
    const index = await readFile(`${ROOT}admin/dist/index.html`, "utf8");
    const page = await fetch(`${server.url}/admin/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(index);
    // A client-side route falls back to the same page; an asset it names is served.
    expect(await (await fetch(`${server.url}/admin/games`)).text()).toBe(index);
    const asset = index.match(/\/admin\/assets\/[^"]+\.js/)?.[0];
    expect(asset).toBeDefined();
    expect((await fetch(`${server.url}${asset}`)).status).toBe(200);
  });

  it("serves exactly schema/schema.graphql: no GraphQL type took a bundle-renamed class's name", async () => {
    const introspection = await gql<IntrospectionQuery>(
      server.url,
      getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, inputValueDeprecation: true }),
      {},
      server.token,
    );
    expect(introspection.errors).toBeUndefined();
    const served = printSchema(lexicographicSortSchema(buildClientSchema(introspection.data!)));
    const committed = await readFile(`${ROOT}schema/schema.graphql`, "utf8");
    // Past the header comment. A difference here that renames a type (`EventLog` -> `EventLog2`)
    // means two classes share a name: give the GraphQL one an explicit name in its decorator,
    // e.g. `@ObjectType("EventLog", { … })`.
    expect(`${served}\n`).toBe(committed.slice(committed.indexOf("\n\n") + 2));
  });

  it("stops cleanly on SIGTERM", async () => {
    server.proc.child.kill("SIGTERM");
    expect(await server.proc.exited).toBe(0);
    expect(server.proc.output()).toContain('"msg":"stopped"');
  });

  it("prints stack traces that point at the TypeScript sources", async () => {
    // A data directory whose pglite/ is a file: startup fails in embedded.ts's mkdir.
    const dir = await mkdtemp(join(tmpdir(), "multiverse-build-"));
    try {
      await writeFile(join(dir, "pglite"), "");
      const failed = spawnServer({ DATA_DIR: dir, PORT: "0" }, nodeArgs());
      expect(await failed.exited).toBe(1);
      expect(failed.output()).toMatch(/EEXIST/);
      expect(failed.output()).toMatch(
        /at async startEmbeddedPostgres \(\S*server\/src\/platform\/db\/embedded\.ts:\d+:\d+\)/,
      );
      expect(failed.output()).toMatch(/at async main \(\S*server\/src\/main\.ts:\d+:\d+\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
