import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { inCI } from "./availability.ts";
import { ROOT } from "./process.ts";

const run = promisify(execFile);

/**
 * Set by `.ci/run` when it could not start a Docker daemon (its value says why): the one case
 * where CI runs without the container suite, having said so in one loud line.
 */
export const NO_DOCKER_VARIABLE = "MULTIVERSE_NO_DOCKER";

/** Why no Docker daemon answers (the CLI's own words), or null when one does. */
function dockerProblem(): string | null {
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "pipe", timeout: 15_000 });
    return null;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return (e.stderr?.toString().trim() || e.message).split("\n")[0]!;
  }
}

/**
 * True when the container suite should step aside: no daemon answers. On a developer's machine
 * it warns; in CI it fails the run unless `.ci/run` announced it could not start a daemon there.
 */
export function dockerUnavailable(): boolean {
  const problem = dockerProblem();
  if (problem === null) return false;
  const announced = process.env[NO_DOCKER_VARIABLE];
  if (inCI() && !announced) throw new Error(`CI needs a Docker daemon, and none answers: ${problem}`);
  console.warn(`\n!!! No Docker daemon answers (${announced ?? problem}): the container suite is SKIPPED.\n`);
  return true;
}

/** Runs the docker CLI in the repository's root; its stdout (trimmed). Fails with its stderr. */
export async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await run("docker", args, { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`docker ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`, {
      cause: err,
    });
  }
}

/**
 * The base image for the build: the tag scripts/container/build-base-image.sh prints, after
 * building it the first time (a few minutes: debootstrap); later runs find it by that tag.
 */
export async function localBaseImage(): Promise<string> {
  const { stdout } = await run(`${ROOT}scripts/container/build-base-image.sh`, [], {
    cwd: ROOT,
    timeout: 15 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim().split("\n").pop()!;
}
