// `npm run build`: bundles the server (server/src/main.ts) into server/dist/main.js, the file
// production runs (`npm run start:prod`), and `npm run db:migrate` (scripts/migrate.ts) into
// server/dist/migrate.js, which a container image runs as its one-shot migration (the image has
// neither tsx nor TypeScript), so no node runs TypeScript through tsx. tsx forces
// esbuild's keepNames, which wraps every named closure the server makes in `__name(fn, "x")`
// (a property dictionary on each one); this build does not, and loads neither tsx nor esbuild.
//
// The options live here, not in a one-line CLI call in package.json, because the production
// build test and the benchmark build the very same bundle into directories of their own.
import { mkdtemp, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, formatMessages } from "esbuild";

const SERVER = fileURLToPath(new URL("../server/", import.meta.url));

/** Where `npm run build` writes the bundle. */
export const SERVER_DIST = join(SERVER, "dist");

/** Node's flags for the bundle, as `npm run start:prod` gives them: stack traces name the sources. */
export const PRODUCTION_NODE_ARGS = ["--enable-source-maps"];

/**
 * Bundles the server into `outdir`/main.js and the migration command into `outdir`/migrate.js
 * (each with its source map beside it) and returns main.js's path. `outdir` must be a directory directly under server/: there the bundle's packages resolve
 * as the sources' do (server/node_modules, then the root's: node_modules stay external), and the
 * repository's root is `../../` from it (server/src/repository.ts). Fails on any warning.
 */
export async function buildServer(outdir: string = SERVER_DIST): Promise<string> {
  if (dirname(resolve(outdir)) !== resolve(SERVER)) {
    throw new Error(`The server bundle must go in a directory directly under ${SERVER}, not ${outdir}`);
  }
  const outfile = join(outdir, "main.js");
  const result = await build({
    entryPoints: { main: join(SERVER, "src/main.ts"), migrate: join(SERVER, "../scripts/migrate.ts") },
    outdir,
    absWorkingDir: resolve(SERVER, ".."),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    // experimentalDecorators and the class field semantics come from here, as under tsx. No
    // decorator metadata is needed: every type-graphql decorator names its type.
    tsconfig: join(SERVER, "tsconfig.json"),
    sourcemap: "linked",
    minify: false,
    keepNames: false,
    logLevel: "silent",
  });
  if (result.warnings.length > 0) {
    const text = await formatMessages(result.warnings, { kind: "warning" });
    throw new Error(`The server build has warnings:\n${text.join("\n")}`);
  }
  return outfile;
}

/**
 * A bundle of its own for a test or a benchmark run, in a new `server/.dist-<label>-*` directory
 * (git, Prettier and ESLint ignore those), so server/dist stays as the developer left it.
 * `remove()` deletes the directory (`dir`).
 */
export async function buildServerCopy(label: string): Promise<{ dir: string; entry: string; remove(): Promise<void> }> {
  const outdir = await mkdtemp(join(SERVER, `.dist-${label}-`));
  try {
    const entry = await buildServer(outdir);
    return { dir: outdir, entry, remove: () => rm(outdir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(outdir, { recursive: true, force: true });
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = performance.now();
  const entry = await buildServer();
  process.stdout.write(
    `built ${entry} in ${Math.round(performance.now() - started)} ms; run it with \`npm run start:prod\`\n`,
  );
}
