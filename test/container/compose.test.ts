// docker-compose.yml, checked by Debian's docker-compose (`docker-compose config`, which needs no
// daemon): the stack docs/operations.md describes, with the secrets taken from .env.
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unavailable } from "../support/availability.ts";
import { ROOT } from "../support/process.ts";

const run = promisify(execFile);

/** Why docker-compose cannot run, or null. */
function composeProblem(): string | null {
  try {
    execFileSync("docker-compose", ["version"], { stdio: "pipe" });
    return null;
  } catch (err) {
    return (err as Error).message.split("\n")[0]!;
  }
}

const ENV = "ADMIN_TOKEN=compose-admin-token-0123\nJWT_SECRET=compose-jwt-secret-0123456789-0123456789\n";

describe.skipIf(unavailable("docker-compose (apt-get install docker-compose)", composeProblem()))(
  "docker-compose.yml",
  () => {
    let dir: string;
    /** `docker-compose config` with `args`, reading the secrets from `envFile` (a file in `dir`). */
    const config = async (envFile: string, args: string[] = []) =>
      (
        await run(
          "docker-compose",
          ["--project-directory", ROOT, "--env-file", join(dir, envFile), "config", ...args],
          {
            cwd: ROOT,
            env: { PATH: process.env["PATH"] ?? "" },
          },
        )
      ).stdout;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "multiverse-compose-"));
      await writeFile(join(dir, "with-secrets.env"), ENV);
      await writeFile(join(dir, "empty.env"), "");
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it("is valid: Postgres, Redis, a one-shot migration, two API nodes and a load balancer, with volumes", async () => {
      expect((await config("with-secrets.env", ["--services"])).trim().split("\n").sort()).toEqual([
        "api-1",
        "api-2",
        "lb",
        "migrate",
        "postgres",
        "redis",
      ]);
      expect((await config("with-secrets.env", ["--volumes"])).trim().split("\n").sort()).toEqual([
        "caddy-data",
        "postgres-data",
        "redis-data",
      ]);
    });

    it("gives both API nodes the secrets from .env, behind one published port, after the migration succeeded", async () => {
      const text = await config("with-secrets.env");
      expect(text.match(/ADMIN_TOKEN: compose-admin-token-0123/g)).toHaveLength(2);
      expect(text.match(/JWT_SECRET: compose-jwt-secret-0123456789-0123456789/g)).toHaveLength(2);
      expect(text.match(/condition: service_completed_successfully/g)).toHaveLength(2);
      expect(text.match(/condition: service_healthy/g)).toHaveLength(5); // migrate, api ×2 (redis), lb ×2
      expect(text.match(/published: (\d+)/g)).toEqual(["published: 4000"]);
      expect(text).toContain("server/dist/migrate.js");
      expect(text).toMatch(/Caddyfile:\/etc\/caddy\/Caddyfile:ro/);
    });

    it("refuses to start without ADMIN_TOKEN and JWT_SECRET in .env, naming them", async () => {
      const refused = await config("empty.env").then(
        () => "accepted",
        (err: { stderr: string }) => err.stderr,
      );
      expect(refused).toMatch(/set (ADMIN_TOKEN|JWT_SECRET) in \.env/);
    });
  },
);
