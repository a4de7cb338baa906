// Registrations made at the same time share statements (group commit), and each is still whole
// or nothing on its own: a game with its first realm and a working key, or a CONFLICT (a taken
// id, or the same id earlier in the same batch) that stores nothing, or a row Postgres refuses,
// which fails alone. The admin's registrations find the developer of that name; the key is
// stored only as its SHA-256; the control tick counts the new games, and a CONFLICT does not
// move the games version.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../../server/src/platform/auth/principal.ts";
import { registerGame as register } from "../../server/src/features/games/register-game.ts";
import type { RegisterGameInput } from "../../server/src/features/games/register-game.input.ts";
import type { TickLeader } from "../../server/src/platform/realtime/tick-leader.ts";
import { createDeveloper, must, realmInput, registerGame, type TestDeveloper } from "../support/fixtures.ts";
import { dbQueriesDuring } from "../support/metrics.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { testTickLeader } from "../support/ticks.ts";

const ADMIN: Principal = { kind: "admin" };
const N = 40;

const input = (id: string, extra: Partial<RegisterGameInput> = {}): RegisterGameInput => ({
  id,
  name: `Game ${id}`,
  developerName: "Developer A",
  realm: realmInput(`Realm of ${id}`),
  ...extra,
});

/** The error code of a rejected registration. */
const codeOf = (r: PromiseSettledResult<unknown>) =>
  r.status === "rejected" ? (r.reason as { extensions?: { code?: string } }).extensions?.code : "OK";

describe("registerGame, many at once", () => {
  let s: TestServer;
  let devA: TestDeveloper;
  let leader: TickLeader;

  beforeAll(async () => {
    s = await startTestServer(); // TICK_HZ=0: only the leader below ticks
    devA = await createDeveloper(s, "Developer A");
    await registerGame(s, devA.key, "existing");
    leader = testTickLeader(s, "register-leader");
  });
  afterAll(async () => {
    await s?.stop();
  });

  const gameAs = (id: string, credential: string) =>
    s.gql<{ game: { id: string; name: string; developerName: string; realms: { name: string }[] } }>(
      `query($id: ID!) { game(id: $id) { id name developerName realms { name } } }`,
      { id },
      credential,
    );

  it("share statements; each is a game with its realm and key, or a CONFLICT alone", async () => {
    const before = await leader.tick();
    // Submitted in one go, so all but the first few wait for a flush and go together, with
    // "twin" twice (the first one wins) and "existing" (taken).
    const inputs = Array.from({ length: N }, (_, i) => input(`batch-${i}`));
    inputs[10] = input("twin", { name: "First twin" });
    inputs[20] = input("twin", { name: "Second twin" });
    inputs[15] = input("existing", { name: "Impostor" });
    let settled: PromiseSettledResult<{ apiKey: string }>[] = [];
    const statements = await dbQueriesDuring(s.url, async () => {
      settled = await Promise.allSettled(inputs.map((i) => register(s.app.services.prisma, ADMIN, i)));
    });
    expect(statements).toBeLessThan(N / 4);

    const codes = settled.map(codeOf);
    expect(codes.filter((c) => c !== "OK")).toHaveLength(2);
    expect([codes[10], codes[15], codes[20]]).toEqual(["OK", "CONFLICT", "CONFLICT"]);
    expect([15, 20].map((i) => ((settled[i] as PromiseRejectedResult).reason as Error).message)).toEqual([
      'The game id "existing" is taken: choose another',
      'The game id "twin" is taken: choose another',
    ]);

    // Every registration that succeeded is whole: its key works, its realm is there.
    for (const [i, r] of settled.entries()) {
      if (r.status !== "fulfilled") continue;
      const { id, name } = inputs[i]!;
      const g = must(await gameAs(id, r.value.apiKey)).game;
      expect(g).toEqual({ id, name, developerName: "Developer A", realms: [{ name: `Realm of ${id}` }] });
    }
    // The losers stored nothing: the twin is the first one, "existing" is unchanged.
    expect(must(await gameAs("twin", TEST_ADMIN_TOKEN)).game.name).toBe("First twin");
    expect(must(await gameAs("existing", TEST_ADMIN_TOKEN)).game).toEqual({
      id: "existing",
      name: "Game existing",
      developerName: "Developer A",
      realms: [{ name: "Main" }],
    });

    // The admin registered them under "Developer A": they are that developer's own games.
    const mine = must(await s.gql<{ games: { id: string }[] }>(`{ games { id } }`, {}, devA.key)).games.map(
      (g) => g.id,
    );
    const ok = inputs.filter((_, i) => codes[i] === "OK").map((i) => i.id);
    expect(mine).toEqual(expect.arrayContaining(ok));
    must(await s.gql(`mutation { setGameStatus(id: "batch-0", status: ACTIVE) { id } }`, {}, devA.key));

    // The keys are stored only as their SHA-256.
    const keys = settled.flatMap((r, i) =>
      r.status === "fulfilled" ? [[inputs[i]!.id, r.value.apiKey] as const] : [],
    );
    const stored = await s.app.services.prisma.$queryRaw<{ id: string; api_key_hash: string; row: string }[]>`
      SELECT id, api_key_hash, games::text AS row FROM games WHERE id = ANY(${keys.map(([id]) => id)}::text[])`;
    expect(stored).toHaveLength(keys.length);
    for (const [id, key] of keys) {
      const row = stored.find((r) => r.id === id)!;
      expect(row.api_key_hash).toBe(createHash("sha256").update(key).digest("hex"));
      expect(row.row).not.toContain(key.slice(4));
    }

    // The next tick counts the new games (all ACTIVE, tickEvery 1).
    const after = await leader.tick();
    expect(after.gamesVersion).not.toBe(before.gamesVersion);
    expect(after.gamesSynced).toBe(before.gamesSynced + ok.length);
  });

  it("a registration whose row Postgres refuses fails alone, and leaves neither game nor realm", async () => {
    // Past the API's validation (which refuses NUL first): the batch fails, then goes one by one.
    const inputs = ["alone-0", "alone-1", "alone-2", "alone-3", "alone-4", "alone-5"].map((id) => input(id));
    inputs[4] = input("alone-4", { realm: realmInput("Bad\u0000Realm") });
    const settled = await Promise.allSettled(inputs.map((i) => register(s.app.services.prisma, ADMIN, i)));
    expect(settled.map((r) => r.status)).toEqual([...Array(4).fill("fulfilled"), "rejected", "fulfilled"]);
    const rows = await s.app.services.prisma.$queryRaw<{ id: string; realms: bigint }[]>`
      SELECT g.id, (SELECT count(*) FROM realms r WHERE r.game_id = g.id) AS realms
        FROM games g WHERE g.id LIKE 'alone-%' ORDER BY g.id`;
    expect(rows).toEqual(["alone-0", "alone-1", "alone-2", "alone-3", "alone-5"].map((id) => ({ id, realms: 1n })));
    const [orphans] = await s.app.services.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM realms WHERE name LIKE 'Bad%' OR game_id = 'alone-4'`;
    expect(orphans!.n).toBe(0n);
  });

  it("a taken id changes nothing, the games version included", async () => {
    const before = await leader.tick();
    const [r] = await Promise.allSettled([register(s.app.services.prisma, ADMIN, input("existing"))]);
    expect(codeOf(r!)).toBe("CONFLICT");
    const after = await leader.tick();
    expect(after.gamesVersion).toBe(before.gamesVersion);
    expect(after.gamesSynced).toBe(before.gamesSynced);
  });

  it("a developer's registration is its own game", async () => {
    const r = must(
      await s.gql<{ registerGame: { game: { developerName: string } } }>(
        `mutation($input: RegisterGameInput!) { registerGame(input: $input) { game { developerName } } }`,
        { input: { id: "dev-own", name: "Own", realm: realmInput() } },
        devA.key,
      ),
    );
    expect(r.registerGame.game.developerName).toBe("Developer A");
    must(await s.gql(`mutation { setGameStatus(id: "dev-own", status: PAUSED) { id } }`, {}, devA.key));
  });
});
