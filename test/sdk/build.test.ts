// The SDK as a package: it bundles for browsers without Node built-ins, `npm run build -w sdk`
// makes ESM with type declarations that a plain Node project (no tsx, no TypeScript sources)
// imports and type-checks through package.json "exports", and the tarball `npm pack` makes
// installs in an empty folder and runs the README's quickstart there on plain Node.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outputLines, ROOT, spawnNode, type ServerProcess } from "../support/process.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

const run = promisify(execFile);
const tsc = join(ROOT, "node_modules/typescript/bin/tsc");

/** The version of `name` this repository installs (the packed SDK's test installs the same). */
const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

/** npm as a developer runs it: their PATH and HOME (so the npm cache), none of this run's npm_* settings. */
const NPM_ENV = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" };

/** A TypeScript file as the JavaScript a developer would write: types stripped, nothing else changed. */
function stripTypes(source: string): string {
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, removeComments: false },
  }).outputText;
}

describe("SDK package", () => {
  let s: TestServer;
  let consumer: string;

  beforeAll(async () => {
    s = await startTestServer();
    // A project outside the repository that depends on the SDK, as an installed package would be.
    consumer = await mkdtemp(join(tmpdir(), "multiverse-sdk-consumer-"));
    await mkdir(join(consumer, "node_modules/@multiverse"), { recursive: true });
    await symlink(join(ROOT, "sdk"), join(consumer, "node_modules/@multiverse/sdk"));
    for (const dep of ["graphql-ws", "graphql-sse", "@graphql-typed-document-node", "ws"]) {
      await symlink(join(ROOT, "node_modules", dep), join(consumer, "node_modules", dep));
    }
    await writeFile(join(consumer, "package.json"), JSON.stringify({ type: "module" }));
  });
  let packed: string;
  let quickstart: ServerProcess | undefined;

  afterAll(async () => {
    quickstart?.child.kill("SIGTERM");
    await quickstart?.exited;
    await s?.stop();
    if (consumer) await rm(consumer, { recursive: true, force: true });
    if (packed) await rm(packed, { recursive: true, force: true });
  });

  it("bundles for browsers without Node built-ins", async () => {
    const result = await build({
      entryPoints: [join(ROOT, "sdk/src/index.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    // What reaches the bundle: graphql-sse's entry also re-exports its server handler, which
    // imports graphql; nothing of it is used, so none of it may reach the output.
    const output = Object.values(result.metafile.outputs)[0]!;
    const inputs = Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
    expect(inputs.some((i) => i.includes("graphql-ws"))).toBe(true);
    expect(inputs.some((i) => i.includes("graphql-sse"))).toBe(true);
    expect(inputs.filter((i) => i.startsWith("node:") || /node_modules\/(ws|graphql)\//.test(i))).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/\brequire\(/);
  });

  it("builds ESM and declarations that a plain Node project uses", async () => {
    await run(process.execPath, [tsc, "-p", join(ROOT, "sdk/tsconfig.build.json")], { cwd: ROOT });
    for (const file of [
      "index.js",
      "index.d.ts",
      "documents.js",
      "documents.d.ts",
      "protocol.js",
      "protocol.d.ts",
      "generated/operations.d.ts",
    ]) {
      expect(existsSync(join(ROOT, "sdk/dist", file)), file).toBe(true);
    }

    // Type-checks against dist/*.d.ts (no custom condition, so "exports" → "types").
    await writeFile(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true },
        files: ["main.ts"],
      }),
    );
    await writeFile(
      join(consumer, "main.ts"),
      [
        `import { createMultiverseClient, MultiverseError, type Game } from "@multiverse/sdk";`,
        `import { RegisterGameDocument } from "@multiverse/sdk/documents";`,
        `import { CloseCode, isFatalClose, type ConnectionState } from "@multiverse/sdk/protocol";`,
        `const mv = createMultiverseClient({ url: process.argv[2]!, adminToken: process.argv[3]! });`,
        `const games: Game[] = await mv.games();`,
        `const error = await mv.game({ id: "nope" }).catch((e: unknown) => e);`,
        `const code: string | undefined = error instanceof MultiverseError ? error.code : undefined;`,
        `const state: ConnectionState = mv.connection.state;`,
        `const fatal: boolean = isFatalClose(CloseCode.Forbidden);`,
        `console.log(JSON.stringify({ games: games.length, code, document: RegisterGameDocument.kind, state, fatal }));`,
        ``,
      ].join("\n"),
    );
    await run(process.execPath, [
      tsc,
      "-p",
      consumer,
      "--noEmit",
      "--types",
      "node",
      "--typeRoots",
      join(ROOT, "node_modules/@types"),
    ]);

    // Runs on plain Node from dist/ (the file, type annotations stripped by hand, as .mjs).
    await writeFile(
      join(consumer, "main.mjs"),
      [
        `import { createMultiverseClient, MultiverseError } from "@multiverse/sdk";`,
        `import { RegisterGameDocument } from "@multiverse/sdk/documents";`,
        `import { CloseCode, isFatalClose } from "@multiverse/sdk/protocol";`,
        `const mv = createMultiverseClient({ url: process.argv[2], adminToken: process.argv[3] });`,
        `const games = await mv.games();`,
        `const error = await mv.game({ id: "nope" }).catch((e) => e);`,
        `const code = error instanceof MultiverseError ? error.code : undefined;`,
        `const events = mv.events();`,
        `await events.ready;`,
        `await mv.publishEvent({ type: "from-dist" });`,
        `const { value } = await events.next();`,
        `await mv.close();`,
        `const fatal = isFatalClose(CloseCode.Forbidden) && !isFatalClose(CloseCode.GoingAway);`,
        `console.log(JSON.stringify({ games: games.length, code, document: RegisterGameDocument.kind, event: value.type, fatal }));`,
        ``,
      ].join("\n"),
    );
    const { stdout } = await run(process.execPath, [join(consumer, "main.mjs"), s.url, TEST_ADMIN_TOKEN], {
      cwd: consumer,
    });
    expect(JSON.parse(stdout)).toEqual({
      games: 0,
      code: "NOT_FOUND",
      document: "Document",
      event: "from-dist",
      fatal: true,
    });
  }, 120_000);

  it("npm install at the repository's root builds sdk/dist", () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts["postinstall"]).toContain("npm run build -w sdk");
  });

  it("packs into a tarball that installs in an empty folder and runs the README's quickstart on plain Node", async () => {
    // `npm pack` builds dist/ first (prepack), then packs what "files" names.
    packed = await mkdtemp(join(tmpdir(), "multiverse-sdk-packed-"));
    const { stdout: packJson } = await run("npm", ["pack", "--json", "--pack-destination", packed], {
      cwd: join(ROOT, "sdk"),
      env: NPM_ENV,
    });
    const [pack] = JSON.parse(packJson) as { filename: string; files: { path: string }[] }[];
    const files = pack!.files.map((f) => f.path);
    for (const file of [
      "package.json",
      "README.md",
      "CHANGELOG.md",
      "dist/index.js",
      "dist/index.d.ts",
      "src/index.ts",
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => !/^(dist|src)\//.test(f)).sort()).toEqual(["CHANGELOG.md", "README.md", "package.json"]);

    // An empty folder outside the workspace: the tarball, ws and graphql, from the registry (or npm's cache).
    const app = join(packed, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "quickstart", private: true, type: "module" }));
    await run(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(packed, pack!.filename),
        `ws@${installedVersion("ws")}`,
        `graphql@${installedVersion("graphql")}`,
      ],
      { cwd: app, env: NPM_ENV },
    );
    const manifest = JSON.parse(await readFile(join(app, "node_modules/@multiverse/sdk/package.json"), "utf8")) as {
      engines: Record<string, string>;
      exports: Record<string, Record<string, string>>;
    };
    expect(manifest.engines["node"]).toBeDefined();
    expect(manifest.exports["."]).toMatchObject({ types: "./dist/index.d.ts", default: "./dist/index.js" });

    // The quickstart as the README shows it type-checks against the installed declarations…
    const source = await readFile(join(ROOT, "sdk/examples/snippets/quickstart.ts"), "utf8");
    await writeFile(join(app, "quickstart.ts"), source);
    await writeFile(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true },
        files: ["quickstart.ts"],
      }),
    );
    await run(process.execPath, [
      tsc,
      "-p",
      app,
      "--noEmit",
      "--types",
      "node",
      "--typeRoots",
      join(ROOT, "node_modules/@types"),
    ]);

    // …and, its types stripped, runs with plain `node`: no tsx, no custom conditions.
    await writeFile(join(app, "quickstart.js"), stripTypes(source));
    quickstart = spawnNode([join(app, "quickstart.js")], {
      ...NPM_ENV,
      MULTIVERSE_URL: `${s.url}/graphql`,
      MULTIVERSE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    });
    await quickstart.waitFor(/JOINED Ada\n/);
    quickstart.child.kill("SIGTERM"); // it watches until stopped
    await quickstart.exited;
    expect(outputLines(quickstart.output())).toEqual(["snapshot", "JOINED Ada", ""]);
    console.log(
      `${pack!.filename}, installed with ws and graphql; \`node quickstart.js\` printed:\n${quickstart.output()}`,
    );
  }, 240_000);
});
