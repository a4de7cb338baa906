import { execFile, execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/**
 * Runs `command` (in the repository's root unless `options.cwd` says otherwise); its stdout,
 * trimmed. Fails with its output, so a failed docker or docker-compose call says why.
 */
export async function runTool(
  command: string,
  args: string[],
  options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const { timeoutMs = 60_000, cwd = ROOT, env } = options;
  try {
    const { stdout } = await run(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`, {
      cause: err,
    });
  }
}

/** Runs the docker CLI in the repository's root; its stdout (trimmed). Fails with its output. */
export const docker = (args: string[], timeoutMs = 60_000): Promise<string> => runTool("docker", args, { timeoutMs });

/**
 * Image builds wait for each other (vitest runs two test files at once): the second one to ask
 * for an image finds it built, or its layers cached, instead of building it beside the first.
 */
const oneBuildAtATime = (command: string, args: string[]): Promise<string> =>
  runTool("flock", [join(tmpdir(), "multiverse-image-build.lock"), command, ...args], { timeoutMs: 30 * 60_000 });

/**
 * The base image for the build: the tag scripts/container/build-base-image.sh prints, after
 * building it the first time (a few minutes: debootstrap); later runs find it by that tag.
 */
export async function localBaseImage(): Promise<string> {
  return (await oneBuildAtATime(`${ROOT}scripts/container/build-base-image.sh`, [])).split("\n").pop()!;
}

/** The tag the container suites give the repository's image (Dockerfile). */
export const PROJECT_IMAGE = "multiverse-test:latest";

/**
 * Builds the repository's Dockerfile on the local base (with the host's network, as every
 * build here) as PROJECT_IMAGE; a second call finds every layer cached.
 */
export async function buildProjectImage(): Promise<void> {
  const base = await localBaseImage();
  const startedAt = performance.now();
  await oneBuildAtATime("docker", [
    "build",
    "--network",
    "host",
    "--build-arg",
    `BASE_IMAGE=${base}`,
    "-t",
    PROJECT_IMAGE,
    ".",
  ]);
  console.log(`built ${PROJECT_IMAGE} from ${base} in ${Math.round((performance.now() - startedAt) / 1000)} s`);
}

/**
 * Local stand-ins for the official images docker-compose.yml names (test/container/stand-ins):
 * the tag of each, built on the local base.
 */
export async function buildStandIns(): Promise<{ postgres: string; redis: string; caddy: string }> {
  const base = await localBaseImage();
  const tags = { postgres: "", redis: "", caddy: "" };
  for (const target of ["postgres", "redis", "caddy"] as const) {
    tags[target] = `multiverse-stand-in-${target}:latest`;
    await oneBuildAtATime("docker", [
      ...["build", "--network", "host", "--build-arg", `BASE_IMAGE=${base}`, "--target", target],
      ...["-t", tags[target], "test/container/stand-ins"],
    ]);
  }
  return tags;
}
