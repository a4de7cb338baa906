// Where the admin token and JWT secret come from in embedded mode: generated once into
// <DATA_DIR>/secrets.json and read back on every start. Only a missing file may be generated
// anew; one that exists but cannot be read or parsed must stop the start, because new secrets
// would silently invalidate every credential issued so far.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "./env.ts";
import { loadSecrets, SecretsFileError } from "./secrets.ts";

describe("loadSecrets in embedded mode", () => {
  let dir: string;
  const config = () => loadConfig({ DATA_DIR: dir });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("generates the secrets once and reads the same ones back", async () => {
    dir = await mkdtemp(join(tmpdir(), "mv-secrets-"));
    const first = await loadSecrets(config());
    expect(first.adminTokenGenerated).toBe(true);
    const again = await loadSecrets(config());
    expect(again).toEqual(first);
    expect(JSON.parse(await readFile(join(dir, "secrets.json"), "utf8"))).toEqual({
      adminToken: first.adminToken,
      jwtSecret: first.jwtSecret,
    });
  });

  it("refuses to start when the file exists but cannot be read, and leaves it alone", async () => {
    dir = await mkdtemp(join(tmpdir(), "mv-secrets-"));
    await mkdir(join(dir, "secrets.json")); // reading it fails (EISDIR), like a disk or permission error
    const refused = loadSecrets(config());
    await expect(refused).rejects.toBeInstanceOf(SecretsFileError);
    await expect(refused).rejects.toThrow(/secrets\.json exists but cannot be read \(EISDIR\).*remove it to generate/);
  });

  it("refuses to start when the file is not JSON secrets, and keeps its content", async () => {
    dir = await mkdtemp(join(tmpdir(), "mv-secrets-"));
    const file = join(dir, "secrets.json");
    await writeFile(file, '{"adminToken": "truncat');
    await expect(loadSecrets(config())).rejects.toThrow(/secrets\.json is not a secrets file/);
    expect(await readFile(file, "utf8")).toBe('{"adminToken": "truncat');
  });
});
