import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "./config/env.ts";

export interface Secrets {
  adminToken: string;
  jwtSecret: string;
  /** True when the admin token was generated here rather than taken from ADMIN_TOKEN. */
  adminTokenGenerated: boolean;
}

const fresh = () => randomBytes(32).toString("base64url");

/**
 * The admin token and JWT secret: from the configuration when set; otherwise (embedded mode
 * only, see config/env.ts) generated once and kept in `<DATA_DIR>/secrets.json` (mode 0600),
 * so they survive restarts. An in-memory data dir keeps them in memory.
 */
export async function loadSecrets(config: Config): Promise<Secrets> {
  if (config.adminToken && config.jwtSecret) {
    return { adminToken: config.adminToken, jwtSecret: config.jwtSecret, adminTokenGenerated: false };
  }
  let saved: Partial<Secrets> = {};
  const file = join(config.dataDir, "secrets.json");
  const persistent = !config.dataDir.startsWith("memory://");
  if (persistent) {
    saved = await readFile(file, "utf8").then(
      (text) => JSON.parse(text) as Partial<Secrets>,
      () => ({}),
    );
  }
  // Only generated secrets are kept in the file; ones from the environment never touch the disk.
  const generated = {
    adminToken: saved.adminToken ?? fresh(),
    jwtSecret: saved.jwtSecret ?? fresh(),
  };
  const keep = {
    ...(config.adminToken ? {} : { adminToken: generated.adminToken }),
    ...(config.jwtSecret ? {} : { jwtSecret: generated.jwtSecret }),
  };
  if (persistent && (keep.adminToken !== saved.adminToken || keep.jwtSecret !== saved.jwtSecret)) {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify({ ...saved, ...keep }, null, 2) + "\n", { mode: 0o600 });
  }
  return {
    adminToken: config.adminToken ?? generated.adminToken,
    jwtSecret: config.jwtSecret ?? generated.jwtSecret,
    adminTokenGenerated: config.adminToken === undefined,
  };
}
