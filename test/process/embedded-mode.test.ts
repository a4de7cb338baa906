// `npm start` with no settings: embedded PGlite and the in-memory bus, in a real process.
import { mkdtemp, rm, stat, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode, gql } from "../support/graphql.ts";
import { migrationNames } from "../support/database.ts";
import { spawnServer, startServerProcess, type ServerProcess } from "../support/process.ts";

// Each test starts the server as a child process (up to 60 s each under a loaded CI machine: tsx
// compiles the server, PGlite starts and migrates), one of them twice.
describe("embedded mode", { timeout: 150_000 }, () => {
  let dataDir: string;
  const running: ServerProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "multiverse-embedded-"));
  });
  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts from an empty data directory, migrates, and answers; a restart keeps data and token", async () => {
    const first = await startServerProcess({ DATA_DIR: dataDir });
    running.push(first.proc);
    expect(first.proc.output()).toMatch(/Database\s+embedded PGlite/);
    expect(first.proc.output()).toMatch(/Bus\s+in memory/);
    // Every migration in prisma/migrations, in order, applied on first start.
    const migrations = await migrationNames();
    expect(migrations.length).toBeGreaterThan(4);
    expect(first.proc.output()).toContain(`"applied":${JSON.stringify(migrations)}`);

    const secrets = JSON.parse(await readFile(join(dataDir, "secrets.json"), "utf8")) as { adminToken: string };
    expect(secrets.adminToken).toBe(first.token);
    expect((await stat(join(dataDir, "secrets.json"))).mode & 0o777).toBe(0o600);

    const ready = await fetch(`${first.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { postgres: "ok", bus: "ok" } });

    const registered = await gql<{ registerGame: { game: { id: string } } }>(
      first.url,
      `mutation { registerGame(input: { id: "kept-game", name: "Kept", developerName: "Ada",
         realm: { name: "R", realmType: "t", adjacency: "a", resonance: "r" } }) { game { id } } }`,
      {},
      first.token,
    );
    expect(registered.data?.registerGame.game.id).toBe("kept-game");

    first.proc.child.kill("SIGTERM");
    expect(await first.proc.exited).toBe(0);
    expect(first.proc.output()).toContain('"msg":"stopped"');

    const second = await startServerProcess({ DATA_DIR: dataDir });
    running.push(second.proc);
    expect(second.token).toBe(first.token);
    expect(second.proc.output()).not.toContain('"applied"');
    const games = await gql<{ games: { id: string }[] }>(second.url, "{ games { id } }", {}, second.token);
    expect(games.data?.games.map((g) => g.id)).toEqual(["kept-game"]);
    second.proc.child.kill("SIGTERM");
    expect(await second.proc.exited).toBe(0);
  });

  it("takes ADMIN_TOKEN from the environment without printing it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "multiverse-embedded-"));
    const token = "token-from-the-environment-123";
    const s = await startServerProcess({ DATA_DIR: dir, ADMIN_TOKEN: token });
    running.push(s.proc);
    expect(s.proc.output()).toContain("Admin token  taken from ADMIN_TOKEN");
    expect(s.proc.output()).not.toContain(token);
    // Secrets from the environment never reach the disk; only the generated JWT secret is kept.
    const kept = JSON.parse(await readFile(join(dir, "secrets.json"), "utf8")) as Record<string, string>;
    expect(Object.keys(kept)).toEqual(["jwtSecret"]);
    const ok = await gql(s.url, "{ universe { games } }", {}, token);
    expect(ok.data).toEqual({ universe: { games: 0 } });
    const denied = await gql(s.url, "{ universe { games } }", {}, "not-the-admin-token");
    expect(denied.status).toBe(401);
    expect(errorCode(denied)).toBe("UNAUTHENTICATED");
    s.proc.child.kill("SIGTERM");
    expect(await s.proc.exited).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });
});

describe("configuration errors", () => {
  it.each([
    [{ PORT: "eighty" }, /PORT/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL/],
    [{ DATABASE_URL: "postgresql://127.0.0.1:1/x" }, /ADMIN_TOKEN, JWT_SECRET must be set when DATABASE_URL is set/],
    [{ ADMIN_TOKEN: "short" }, /ADMIN_TOKEN must be at least 16 characters/],
    [{ ADMIN_TOKEN: "mvg_looks-like-a-game-key" }, /ADMIN_TOKEN must not look like/],
    [{ TICK_HZ: "-1" }, /TICK_HZ must be 0/],
    [{ TICK_HZ: "10", TICK_LEASE_MS: "200" }, /TICK_LEASE_MS \(200\) must be more than two tick periods/],
  ])("refuses %o with a clear message and exit code 1", async (env, message) => {
    const p = spawnServer({ DATA_DIR: "memory://", ...env });
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/Invalid configuration/);
    expect(p.output()).toMatch(message);
    expect(p.output()).not.toMatch(/\n\s+at /); // no stack trace
  });
});
