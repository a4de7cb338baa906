// The SDK as a package: it bundles for browsers without Node built-ins, and `npm run build -w sdk`
// makes ESM with type declarations that a plain Node project (no tsx, no TypeScript sources)
// imports and type-checks through package.json "exports".
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/process.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

const run = promisify(execFile);
const tsc = join(ROOT, "node_modules/typescript/bin/tsc");

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
  afterAll(async () => {
    await s?.stop();
    if (consumer) await rm(consumer, { recursive: true, force: true });
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
});
