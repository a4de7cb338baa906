// The `games` subscription (docs/realtime.md, "games"): the SNAPSHOT of the games the caller
// watches (the admin all, a developer its own), then every registration, update, status change,
// key rotation, health change and unregistration, each with the game as it left it and a version
// one higher, to the admin and the owning developer and to no other developer; never the key.
// Time is moved by writing an older heartbeat into Postgres, and the health chore is run by the
// test (TICK_HZ=0: no leader runs it here; test/multinode/games-across-nodes.test.ts has the
// leader's own).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../server/src/platform/auth/keys.ts";
import { createDeveloper, must, registerGame, type TestDeveloper } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { subscribe, wsClients, type TestSubscription } from "../support/ws.ts";
import { waitUntil } from "../support/wait.ts";

const GAMES = `subscription { games { kind at game { id name status stale version } games { id version } } }`;

interface Card {
  id: string;
  name: string;
  status: string;
  stale: boolean;
  version: string;
}
interface Msg {
  games: { kind: string; at: string; game: Card | null; games: { id: string; version: string }[] | null };
}

describe("the games subscription", () => {
  let s: TestServer;
  let devA: TestDeveloper;
  let devB: TestDeveloper;
  const pool = wsClients(() => s.url);
  const subs = {} as Record<"admin" | "devA" | "devB", TestSubscription<Msg>>;
  /** Every message on the bus's `games` channel, as text. */
  const onBus: string[] = [];
  /** Every key a mutation answered in this file, and its hash. */
  const secrets: string[] = [];

  const gql = async <T>(query: string, variables: Record<string, unknown>, credential: string) =>
    must(await s.gql<T>(query, variables, credential));
  const changesOf = (sub: TestSubscription<Msg>, id: string) =>
    sub.values.flatMap((m) => (m.games.game?.id === id ? [m.games] : []));
  /** Waits until `sub` has received a change of game `id` after its first `seen`; it must be `kind`. */
  async function arrives(sub: TestSubscription<Msg>, id: string, kind: string, seen = 0): Promise<Card> {
    await waitUntil(`${kind} of ${id}`, () => changesOf(sub, id).length > seen);
    const change = changesOf(sub, id)[seen]!;
    expect(change.kind).toBe(kind);
    return change.game!;
  }

  beforeAll(async () => {
    s = await startTestServer({ GAME_STALE_SECONDS: "30" });
    devA = await createDeveloper(s, "Ada");
    devB = await createDeveloper(s, "Bob");
    await registerGame(s, devA.key, "ada-first");
    await registerGame(s, devB.key, "bob-first");
    await registerGame(s, TEST_ADMIN_TOKEN, "nobodys", { developerName: "Nobody" });
    await s.app.services.bus.subscribe("games", (text) => onBus.push(text));
    subs.admin = subscribe<Msg>(await pool.connect(TEST_ADMIN_TOKEN), GAMES);
    subs.devA = subscribe<Msg>(await pool.connect(devA.key), GAMES);
    subs.devB = subscribe<Msg>(await pool.connect(devB.key), GAMES);
    await Promise.all(Object.values(subs).map((sub) => sub.received(1)));
  });
  afterAll(async () => {
    await pool.disposeAll();
    await s?.stop();
  });

  it("starts with the snapshot of the games the caller watches, at their versions", async () => {
    const snapshot = (sub: TestSubscription<Msg>) => sub.values[0]!.games;
    expect(snapshot(subs.admin)).toMatchObject({ kind: "SNAPSHOT", game: null });
    expect(snapshot(subs.admin).games).toEqual([
      { id: "ada-first", version: "1" },
      { id: "bob-first", version: "1" },
      { id: "nobodys", version: "1" },
    ]);
    expect(snapshot(subs.devA).games).toEqual([{ id: "ada-first", version: "1" }]);
    expect(snapshot(subs.devB).games).toEqual([{ id: "bob-first", version: "1" }]);
    const { games } = await gql<{ games: { id: string; version: string }[] }>(
      `{ games { id version } }`,
      {},
      TEST_ADMIN_TOKEN,
    );
    expect(snapshot(subs.admin).games).toEqual(games);
  });

  it("sends each change to the admin and the owning developer, with the game as it left it", async () => {
    const id = "ada-live";
    const step = async (kind: string, change: () => Promise<unknown>): Promise<Card> => {
      const seen = changesOf(subs.admin, id).length;
      await change();
      const [toAdmin, toOwner] = await Promise.all([
        arrives(subs.admin, id, kind, seen),
        arrives(subs.devA, id, kind, seen),
      ]);
      expect(toOwner).toEqual(toAdmin);
      return toAdmin;
    };
    const registered = await step("REGISTERED", async () => {
      const r = await gql<{ registerGame: { apiKey: string } }>(
        `mutation($i: RegisterGameInput!) { registerGame(input: $i) { apiKey } }`,
        { i: { id, name: "Live", realm: { name: "R", realmType: "t", adjacency: "a", resonance: "r" } } },
        devA.key,
      );
      secrets.push(r.registerGame.apiKey);
    });
    expect(registered).toEqual({ id, name: "Live", status: "ACTIVE", stale: false, version: "1" });

    expect(
      await step("UPDATED", () =>
        gql(`mutation { updateGame(id: "${id}", input: { name: "Live!" }) { id } }`, {}, devA.key),
      ),
    ).toMatchObject({ name: "Live!", version: "2" });
    expect(
      await step("UPDATED", () =>
        gql(`mutation { setGameQuotas(id: "${id}", quotas: { rooms: 5 }) { id } }`, {}, TEST_ADMIN_TOKEN),
      ),
    ).toMatchObject({ version: "3" });
    expect(
      await step("STATUS_CHANGED", () =>
        gql(`mutation { setGameStatus(id: "${id}", status: PAUSED) { id } }`, {}, devA.key),
      ),
    ).toMatchObject({ status: "PAUSED", version: "4" });

    let key = "";
    expect(
      await step("KEY_ROTATED", async () => {
        key = (
          await gql<{ rotateGameKey: { apiKey: string } }>(
            `mutation { rotateGameKey(id: "${id}") { apiKey } }`,
            {},
            TEST_ADMIN_TOKEN,
          )
        ).rotateGameKey.apiKey;
        secrets.push(key);
      }),
    ).toMatchObject({ version: "5" });

    // Health: a heartbeat (no change of its own), then silence past GAME_STALE_SECONDS, found by
    // the health chore; the next heartbeat makes it healthy again.
    await gql(`mutation { heartbeat { id } }`, {}, key);
    expect(
      await step("STALE", async () => {
        await s.app.services.prisma.game.update({
          where: { id },
          data: { lastHeartbeatAt: new Date(Date.now() - 31_000) },
        });
        await s.app.services.realtime.gameChanges.sweep();
      }),
    ).toMatchObject({ stale: true, version: "6" });
    expect(await step("HEALTHY", () => gql(`mutation { heartbeat { id } }`, {}, key))).toMatchObject({
      stale: false,
      version: "7",
    });

    expect(
      await step("UNREGISTERED", () => gql(`mutation { unregisterGame(id: "${id}") { id } }`, {}, devA.key)),
    ).toMatchObject({ status: "UNREGISTERED", version: "8" });

    // Each exactly once, in order, on both.
    const kinds = ["REGISTERED", "UPDATED", "UPDATED", "STATUS_CHANGED", "KEY_ROTATED", "STALE", "HEALTHY"];
    for (const sub of [subs.admin, subs.devA]) {
      expect(changesOf(sub, id).map((c) => [c.kind, c.game!.version])).toEqual(
        [...kinds, "UNREGISTERED"].map((k, i) => [k, String(i + 1)]),
      );
    }

    // Another developer got none of it: its own game's next change is the first thing after its snapshot.
    await gql(`mutation { updateGame(id: "bob-first", input: { description: "Bob's" }) { id } }`, {}, devB.key);
    await arrives(subs.devB, "bob-first", "UPDATED", 0);
    expect(subs.devB.values.map((m) => [m.games.kind, m.games.game?.id ?? null])).toEqual([
      ["SNAPSHOT", null],
      ["UPDATED", "bob-first"],
    ]);
  });

  it("never sends a key or its hash, on the bus or to a watcher", async () => {
    expect(secrets.length).toBe(2);
    const sent = [...onBus, JSON.stringify(Object.values(subs).map((sub) => sub.values))];
    expect(onBus.length).toBeGreaterThanOrEqual(9);
    for (const text of sent) {
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(hashKey(secret));
      }
    }
    for (const text of onBus)
      expect(Object.keys((JSON.parse(text) as { game: object }).game)).not.toContain("apiKeyHash");
  });

  it("sends nothing for a change that changes nothing (its version did not move)", async () => {
    const before = changesOf(subs.admin, "ada-first").length;
    const published = onBus.length;
    await gql(`mutation { setGameStatus(id: "ada-first", status: ACTIVE) { id } }`, {}, devA.key);
    await waitUntil("the no-op's message on the bus", () => onBus.length > published);
    await gql(`mutation { updateGame(id: "ada-first", input: { name: "Ada's" }) { id } }`, {}, devA.key);
    await arrives(subs.admin, "ada-first", "UPDATED", before);
    expect(
      changesOf(subs.admin, "ada-first")
        .slice(before)
        .map((c) => c.kind),
    ).toEqual(["UPDATED"]);
  });
});
