import { fileURLToPath } from "node:url";

/**
 * The repository's root, the one place that derives a path from where the running code sits.
 * `../../` from here is the root both in the sources (`server/src/repository.ts`, as `npm start`
 * and the tests run them) and in the production bundle (`server/dist/main.js`, which inlines
 * this module), so every file the server reads at run time (migrations, the admin console) is
 * found from it, whichever way the server runs.
 */
const ROOT = new URL("../../", import.meta.url);

/** The absolute path of `relative`, a `/`-separated path inside the repository. */
export function repositoryPath(relative: string): string {
  return fileURLToPath(new URL(relative, ROOT));
}
