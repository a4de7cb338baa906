// docs/quickstart.md cannot drift: its shell blocks run in order, with bash, against a fresh
// embedded server started the way the page starts one (`npm start`, nothing set but a throwaway
// DATA_DIR and a free port). Values the page tells the reader to copy (the URL and admin token
// from the banner, the `…`-shortened keys, ids and tokens from earlier answers) are filled in
// from the real banner and answers. Every answer the page shows after a command is compared with
// the real one as the page promises ("only long ids, keys and tokens are shortened with `…`; tick
// numbers and times differ"); a command whose answer is not shown must answer without errors.
// The page's script (`live.mjs`) runs in its terminals; "`Ctrl-C` in terminal N" stops one.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fencedBlocks, type FencedBlock } from "../support/markdown.ts";
import { ROOT, startServerProcess, type ServerProcess } from "../support/process.ts";
import { waitUntil } from "../support/wait.ts";

const DOC = "docs/quickstart.md";

/** Fields whose values the page says differ from run to run: only their type is compared. */
const VARYING = new Set([
  "tick",
  "currentTick",
  "tickAt",
  "lastTickDurationMs",
  "createdAt",
  "lastSeenAt",
  "expiresAt",
  "nodes",
]);

/** What the page shows shortened (`mvd_nirKU19y7XoI…`): the part before the `…`. */
const SHORTENED = /[\w.-]+…/g;

/** Every JSON value in `text`, one after another (pretty-printed or one a line). */
function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "{" || c === "[") {
      if (depth++ === 0) start = i;
    } else if ((c === "}" || c === "]") && --depth === 0) {
      values.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return values;
}

/**
 * Throws unless `actual` is what the page's `shown` promises; records each shortened value's
 * real value in `copied` (by the shown part), for the commands that use it later.
 */
function compare(shown: unknown, actual: unknown, path: string, copied: Map<string, string>): void {
  const key = path.split(".").at(-1)!;
  if (typeof shown === "string" && shown.includes("…")) {
    expect(typeof actual, path).toBe("string");
    copied.set(shown.slice(0, shown.indexOf("…")), actual as string);
  } else if (VARYING.has(key)) {
    expect(typeof actual, path).toBe(typeof shown);
  } else if (Array.isArray(shown)) {
    expect(Array.isArray(actual) && actual.length, `${path}: ${JSON.stringify(actual)}`).toBe(shown.length);
    shown.forEach((v, i) => compare(v, (actual as unknown[])[i], `${path}[${i}]`, copied));
  } else if (shown !== null && typeof shown === "object") {
    expect(actual, path).toBeTypeOf("object");
    expect(Object.keys(actual ?? {}).sort(), `${path}: ${JSON.stringify(actual)}`).toEqual(Object.keys(shown).sort());
    for (const [k, v] of Object.entries(shown))
      compare(v, (actual as Record<string, unknown>)[k], `${path}.${k}`, copied);
  } else {
    expect(actual, path).toEqual(shown);
  }
}

/** True when `actual` is what `shown` promises (as `compare`), recording copied values only then. */
function matches(shown: unknown, actual: unknown, copied: Map<string, string>): boolean {
  const tentative = new Map<string, string>();
  try {
    compare(shown, actual, "$", tentative);
  } catch {
    return false;
  }
  for (const [k, v] of tentative) copied.set(k, v);
  return true;
}

/** The page's shell variables (assigned anywhere in its blocks), which carry over from block to block. */
function variables(blocks: FencedBlock[]): string[] {
  const names = new Set<string>();
  for (const b of blocks.filter((b) => b.lang === "sh")) {
    for (const m of b.code.matchAll(/^(?:export\s+)?([A-Z_][A-Z0-9_]*)=/gm)) names.add(m[1]!);
  }
  return [...names];
}

interface Terminal {
  child: ChildProcess;
  output: string;
  exited: Promise<unknown>;
}

describe(DOC, () => {
  let server: ServerProcess | undefined;
  let dataDir: string;
  let workDir: string;
  const terminals: Terminal[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "multiverse-quickstart-data-"));
    // Like the checkout the page runs in: its script imports the checkout's graphql-ws and ws.
    workDir = await mkdtemp(join(tmpdir(), "multiverse-quickstart-"));
    await symlink(join(ROOT, "node_modules"), join(workDir, "node_modules"));
  });
  afterAll(async () => {
    for (const t of terminals) {
      if (t.child.exitCode === null && t.child.signalCode === null) process.kill(-t.child.pid!, "SIGKILL");
    }
    await Promise.all(terminals.map((t) => t.exited));
    if (server) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });

  it("runs every command in order, each answering what the page shows", async () => {
    const blocks = fencedBlocks(await readFile(join(ROOT, DOC), "utf8"));
    const state = join(workDir, "state.sh");
    await writeFile(state, "");
    const names = variables(blocks);
    /** Shown (shortened) value → the real one, from the banner and the answers so far. */
    const copied = new Map<string, string>();
    let shownUrl = "";
    let url = "";
    let script = "";

    /** The block with what the reader copies filled in. */
    const fillIn = (b: FencedBlock): string =>
      b.code.replaceAll(shownUrl, url).replace(SHORTENED, (shown) => {
        const stem = shown.slice(0, -1);
        const real = [...copied].reverse().find(([k]) => k.startsWith(stem))?.[1];
        if (real === undefined) throw new Error(`${DOC}:${b.line}: ${shown} is not shown earlier on the page`);
        return real;
      });

    /** Runs a block in bash (the page's variables and functions carried over); its stdout. */
    const bash = (code: string, line: number) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(
          "bash",
          [
            "-c",
            `set -e\nsource "$STATE"\n${code}\n{ declare -p ${names.join(" ")} 2>/dev/null || true; declare -f; } > "$STATE"`,
          ],
          { cwd: workDir, env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", STATE: state } },
        );
        let out = "";
        let err = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (err += c.toString()));
        child.once("exit", (code) =>
          code === 0 ? resolve(out) : reject(new Error(`${DOC}:${line} exited with ${code}:\n${out}${err}`)),
        );
      });

    /** Starts a long-running command (a terminal of its own, as the page runs it). */
    const startTerminal = (code: string) => {
      // Its own process group, so Ctrl-C (SIGINT to the group) reaches the command as in a terminal.
      const child = spawn("bash", ["-c", `source "$STATE"\n${code}`], {
        cwd: workDir,
        env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", STATE: state },
        detached: true,
      });
      const t: Terminal = { child, output: "", exited: new Promise((r) => child.once("exit", r)) };
      child.stdout!.on("data", (c: Buffer) => (t.output += c.toString()));
      child.stderr!.on("data", (c: Buffer) => (t.output += c.toString()));
      terminals.push(t);
    };

    let ran = 0;
    for (const [i, b] of blocks.entries()) {
      const where = `${DOC}:${b.line}`;
      for (const m of b.before.matchAll(/`Ctrl-C` in terminal (\d+)/g)) {
        const t = terminals[Number(m[1]) - 1]!;
        process.kill(-t.child.pid!, "SIGINT");
        await t.exited;
      }
      const next = blocks[i + 1];
      if (b.lang === "text" && b.code.includes("Multiverse is running")) {
        // The banner: the page's URL and admin token stand for the ones the server prints.
        expect(server, `${where}: the banner comes after the block that starts the server`).toBeDefined();
        shownUrl = /GraphQL\s+(http:\/\/\S+)\/graphql/.exec(b.code)![1]!;
        const shownToken = /Admin token\s+(\S+)…/.exec(b.code)![1]!;
        const printed = await server!.waitFor(/Admin token\s+(\S+)/);
        copied.set(shownToken, printed[1]!);
        const banner = b.code.slice(b.code.indexOf("  Multiverse is running")).split("\n");
        for (const line of banner) {
          const label = /^ {2}(\w[\w ]*?) {2,}/.exec(line)?.[1];
          if (label)
            expect(server!.output(), `${where}: the banner's ${label} line`).toMatch(new RegExp(`\\n  ${label} +\\S`));
        }
      } else if (b.lang === "js") {
        script = /Save this as `([\w.-]+)`/.exec(b.before)?.[1] ?? "";
        expect(script, `${where}: the page says where to save its script`).not.toBe("");
        await writeFile(join(workDir, script), b.code);
      } else if (b.lang === "text" && terminals.length > 0) {
        // What the terminals print: each line shows up in one of them.
        for (const line of b.code.split("\n").filter((l) => l.startsWith("{"))) {
          const shown = JSON.parse(line) as unknown;
          await waitUntil(
            `${where}: ${line}; the terminals printed:\n${terminals.map((t) => t.output).join("\n---\n")}`,
            () =>
              terminals.some((t) =>
                t.output.split("\n").some((l) => l.startsWith("{") && matches(shown, JSON.parse(l), copied)),
              ),
            30_000,
          );
        }
      } else if (b.lang === "sh") {
        if (b.code === "npm install\nnpm start") {
          // The server this test starts in its place: embedded, fresh, on a free port.
          // TICK_HZ=50: NEXT_TICK delivery lands before the next command, as it does for a reader typing.
          const started = await startServerProcess({ DATA_DIR: dataDir, TICK_HZ: "50" });
          server = started.proc;
          url = started.url;
          continue;
        }
        const code = fillIn(b);
        if (script && new RegExp(`^[^\\n]*node ${script}$`).test(code)) {
          startTerminal(code);
          continue;
        }
        const out = await bash(code, b.line);
        ran++;
        const answers = jsonValues(out);
        if (next?.lang === "json") {
          const shown = jsonValues(next.code);
          expect(answers.length, `${where}: answers, as ${DOC}:${next.line} shows them:\n${out}`).toBe(shown.length);
          shown.forEach((s, k) => compare(s, answers[k], `${where}: answer ${k + 1}:\n${out}\n`, copied));
        } else {
          for (const a of answers) expect((a as { errors?: unknown }).errors, `${where}:\n${out}`).toBeUndefined();
        }
      }
    }
    expect(ran).toBeGreaterThan(20);
  }, 180_000);
});
