import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output (rejects if the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/**
 * Builds the admin console (admin/dist) when it is missing: npm install / npm ci build it
 * (postinstall), a suite that serves it builds it when someone skipped that.
 */
export function ensureAdminConsoleBuilt(): void {
  if (!existsSync(`${ROOT}admin/dist/index.html`)) {
    execFileSync("npm", ["run", "build", "-w", "admin"], { cwd: ROOT, stdio: "ignore" });
  }
}

/** Settings a developer's shell may hold that would change the mode under test. */
const STRIPPED = ["DATABASE_URL", "REDIS_URL", "ADMIN_TOKEN", "JWT_SECRET", "PORT", "HOST", "DATA_DIR"];

/** Node's arguments for the server as `npm start` runs it: the sources, through tsx. */
export const FROM_SOURCES = ["--import", "tsx", "server/src/main.ts"];

/**
 * Runs the server (`npm start` without npm, unless `nodeArgs` says otherwise: a bundle, as
 * `npm run start:prod` runs it) as its own process with `env`.
 */
export function spawnServer(env: Record<string, string>, nodeArgs: string[] = FROM_SOURCES): ServerProcess {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED.includes(k)));
  // As in production: libraries (Apollo, graphql-ws) change behaviour under NODE_ENV=test.
  return spawnNode(nodeArgs, {
    ...base,
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    ...env,
  });
}

/** A process's output as lines, without the spaces some ends of lines carry (e.g. an empty join). */
export function outputLines(output: string): string[] {
  return output.split("\n").map((l) => l.trimEnd());
}

/** Runs Node with `args` in the repository's root and exactly `env`, collecting its output. */
export function spawnNode(args: string[], env: Record<string, string>): ServerProcess {
  return spawnProcess(process.execPath, args, env);
}

/** Runs `command` with `args` in the repository's root and exactly `env`, collecting its output. */
export function spawnProcess(command: string, args: string[], env: Record<string, string>): ServerProcess {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString("utf8");
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve(code ?? signal ?? "unknown");
      for (const l of listeners) l();
    }),
  );
  return {
    child,
    exited,
    output: () => out,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`));
        }, timeoutMs);
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`process exited before ${pattern}; output:\n${out}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/**
 * Starts a server process (`nodeArgs` as for `spawnServer`) and waits for its banner; returns it
 * with its base URL and admin token.
 */
export async function startServerProcess(env: Record<string, string>, nodeArgs: string[] = FROM_SOURCES) {
  const proc = spawnServer({ PORT: "0", ...env }, nodeArgs);
  try {
    const [, url] = await proc.waitFor(/GraphQL\s+(http:\/\/\S+)\/graphql/, 60_000);
    const token = (await proc.waitFor(/Admin token\s+(\S+)/))[1]!;
    return { proc, url: url!, token };
  } catch (err) {
    // Not started in time: nobody else holds it, so it must not outlive the test.
    proc.child.kill("SIGKILL");
    await proc.exited;
    throw err;
  }
}
