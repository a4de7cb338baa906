import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, type Config } from "./env.ts";

/** The secrets file exists but cannot be used: the server must not start with new secrets. */
export class SecretsFileError extends ConfigError {
  override name = "SecretsFileError";
}

/** The saved secrets: none when the file is absent; a SecretsFileError when it is unusable. */
async function readSaved(file: string): Promise<Partial<Secrets>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new SecretsFileError(
      `${file} exists but cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}): fix its permissions, ` +
        "or remove it to generate new secrets (every issued credential then stops working)",
    );
  }
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    saved = undefined;
  }
  const valid =
    typeof saved === "object" &&
    saved !== null &&
    ["adminToken", "jwtSecret"].every((k) => {
      const v = (saved as Record<string, unknown>)[k];
      return v === undefined || (typeof v === "string" && v.length > 0);
    });
  if (!valid) {
    throw new SecretsFileError(
      `${file} is not a secrets file (expected JSON with adminToken and jwtSecret): restore it, ` +
        "or remove it to generate new secrets (every issued credential then stops working)",
    );
  }
  return saved as Partial<Secrets>;
}

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
 * so they survive restarts. An in-memory data dir keeps them in memory. Only a missing file is
 * generated anew: a file that exists but cannot be read or parsed stops the start with a clear
 * error, since new secrets would invalidate every credential issued so far.
 */
export async function loadSecrets(config: Config): Promise<Secrets> {
  if (config.adminToken && config.jwtSecret) {
    return { adminToken: config.adminToken, jwtSecret: config.jwtSecret, adminTokenGenerated: false };
  }
  let saved: Partial<Secrets> = {};
  const file = join(config.dataDir, "secrets.json");
  const persistent = !config.dataDir.startsWith("memory://");
  if (persistent) saved = await readSaved(file);
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
