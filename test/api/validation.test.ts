// Bad input, through real HTTP to a real server over real Postgres: every validation error path
// of every mutation answers a clear error (code, a message that names the field and says what to
// fix, `extensions.field` where the server sets it, nothing internal) and changes nothing.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { must, realmInput, registerGame, seedWorld, type World } from "../support/fixtures.ts";
import type { GqlResult } from "../support/graphql.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

const M = {
  registerGame: `mutation($input: RegisterGameInput!) { registerGame(input: $input) { apiKey game { id } } }`,
  createRealm: `mutation($input: CreateRealmInput!) { createRealm(input: $input) { id } }`,
  createRoom: `mutation($input: CreateRoomInput!) { createRoom(input: $input) { id } }`,
  upsertPlayer: `mutation($input: UpsertPlayerInput!) { upsertPlayer(input: $input) { id displayName } }`,
  issuePlayerToken: `mutation($playerId: ID!) { issuePlayerToken(playerId: $playerId) { token } }`,
  movePlayer: `mutation($playerId: ID!, $roomId: ID) { movePlayer(playerId: $playerId, roomId: $roomId) { id roomId } }`,
  publishEvent: `mutation($input: PublishEventInput!) { publishEvent(input: $input) { id seq status } }`,
  heartbeat: `mutation($playerIds: [ID!]!) { heartbeat(playerIds: $playerIds) { id lastHeartbeatAt } }`,
  createDeveloper: `mutation($input: CreateDeveloperInput!) { createDeveloper(input: $input) { key developer { id } } }`,
  unregisterGame: `mutation($id: ID!) { unregisterGame(id: $id) { id status } }`,
  rotateDeveloperKey: `mutation($id: ID) { rotateDeveloperKey(id: $id) { key developer { id } } }`,
} as const;

type Code = "BAD_USER_INPUT" | "NOT_FOUND" | "CONFLICT" | "FORBIDDEN";
type Vars = Record<string, unknown>;

/** A request that must fail with `code`, a message matching `message`, and `field` (when given). */
interface Case {
  name: string;
  query: string;
  vars: (w: World) => Vars;
  /** The credential; the admin token when absent. */
  as?: (w: World) => string;
  code: Code;
  message: RegExp;
  field?: string;
}

/** Extensions a client may see on an expected error (see server/src/platform/errors/format-error.ts). */
const PUBLIC_EXTENSIONS = new Set(["code", "field", "problems", "reason"]);
/** A valid UUID no row has. */
const UNKNOWN_UUID = "7a0c6e58-5a9e-4a57-9a54-7a3ff0c2d9b1";
const NOT_UUIDS: [string, string][] = [
  ["a word", "not-a-uuid"],
  ["empty", ""],
  ["a UUID without dashes", "7a0c6e585a9e4a579a547a3ff0c2d9b1"],
  ["a UUID with a trailing character", `${UNKNOWN_UUID}0`],
  ["a game slug", "game-a"],
];
/** Ids that break the slug rule: 3–40 of a-z 0-9 '-', starting with a letter. */
const BAD_SLUGS: [string, string][] = [
  ["uppercase", "Space-Chess"],
  ["too short", "ab"],
  ["too long", `a${"b".repeat(40)}`],
  ["leading digit", "1chess"],
  ["leading dash", "-chess"],
  ["a space", "space chess"],
  ["empty", ""],
];
const BAD_ADDRESS_PARTS: [string, string][] = [
  ["empty", ""],
  ["uppercase", "Forest"],
  ["leading dash", "-north"],
  ["leading underscore", "_north"],
  ["too long", "a".repeat(41)],
  ["a space", "north rim"],
  ["non-ASCII", "forêt"],
];
const ADDRESS_FIELDS = ["realmType", "adjacency", "resonance"] as const;
const slugMessage = (field: string) =>
  new RegExp(`^${field.replace(".", "\\.")} must be 3–40 characters of a-z, 0-9 and '-', starting with a letter`);
const addressMessage = (field: string) =>
  new RegExp(`^${field.replace(".", "\\.")} must be 1–40 characters of a-z, 0-9, '_' and '-', starting with a letter`);

describe("bad input to every mutation", () => {
  let s: TestServer;
  let w: World;
  let db: pg.Client | undefined;
  const admin = () => TEST_ADMIN_TOKEN;
  const gameA = (x: World) => x.gameA.apiKey;

  beforeAll(async () => {
    s = await startTestServer();
    w = await seedWorld(s);
    // An unregistered game: its id stays taken and it is read-only.
    await registerGame(s, w.devA.key, "game-gone");
    must(await s.gql(M.unregisterGame, { id: "game-gone" }, TEST_ADMIN_TOKEN));
    if (s.db.url) {
      db = new pg.Client({ connectionString: s.db.url });
      await db.connect();
    }
  });
  afterAll(async () => {
    await db?.end();
    await s?.stop();
  });

  // ---------------------------------------------------------------- helpers

  const SNAPSHOT = `{
    universe { games realms rooms players pendingEvents events currentTick }
    games {
      id name description developerName status tickEvery lastHeartbeatAt registeredAt
      realms { id name realmType adjacency resonance rooms { id name description version } }
    }
    events(first: 500) { nodes { id seq type status sourceGameId recipientGameIds idempotencyKey } }
  }`;
  const TABLES = ["developers", "games", "realms", "rooms", "players", "events", "universe_state"];

  /**
   * Everything a mutation could change: what the admin sees through the API (counts, games,
   * realms, rooms with their versions, every game's players, events), plus a digest of every
   * row of every table, so a stray write the API does not show (a developer, say) is caught too.
   */
  async function snapshot(): Promise<unknown> {
    const api = must(await s.gql<{ games: { id: string }[] }>(SNAPSHOT, {}, TEST_ADMIN_TOKEN));
    const players: Record<string, unknown> = {};
    for (const g of api.games) {
      players[g.id] = must(
        await s.gql(
          `query($g: ID) { players(gameId: $g) { id externalId displayName roomId lastSeenAt createdAt } }`,
          { g: g.id },
          TEST_ADMIN_TOKEN,
        ),
      );
    }
    const tables: Record<string, unknown> = {};
    for (const t of TABLES) {
      const { rows } = await (db?.query(
        `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest
         FROM ${t} t`,
      ) ?? { rows: ["no direct database access (PGlite)"] });
      tables[t] = rows[0];
    }
    return { api, players, tables };
  }

  /** Asserts `r` is one clear, public error of `code`, and nothing internal leaked. */
  function expectError(r: GqlResult<unknown>, c: Pick<Case, "code" | "message" | "field">): void {
    const dump = JSON.stringify({ status: r.status, errors: r.errors }).replace(/(.)\1{40,}/g, "$1$1$1…");
    expect(r.errors, dump).toHaveLength(1);
    const e = r.errors![0]!;
    const ext = e.extensions ?? {};
    expect(ext["code"], dump).toBe(c.code);
    expect(e.message, dump).toMatch(c.message);
    expect(r.status, `a client's mistake is not a server failure: ${dump}`).toBeLessThan(500);
    expect(r.data ?? null).toBeNull();
    if (c.field !== undefined) expect(ext["field"], dump).toBe(c.field);
    expect(
      Object.keys(ext).filter((k) => !PUBLIC_EXTENSIONS.has(k)),
      dump,
    ).toEqual([]);
    // `dump` is JSON, so a stack's line breaks show as a literal "\n".
    expect(dump).not.toMatch(/stacktrace|exception|prisma|node_modules|\.ts:\d+|\\n\s*at /i);
    const problems = ext["problems"] as { field: string; message: string }[] | undefined;
    if (problems !== undefined) {
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) expect(p.message.startsWith(p.field), dump).toBe(true);
      if (c.field !== undefined) expect(problems.map((p) => p.field)).toContain(c.field);
    }
  }

  /** Runs a case: it fails as expected, and everything is as it was. */
  async function rejects(c: Case): Promise<GqlResult<unknown>> {
    const before = await snapshot();
    const r = await s.gql(c.query, c.vars(w), (c.as ?? admin)(w));
    expectError(r, c);
    expect(await snapshot(), "a failed mutation changes nothing").toEqual(before);
    return r;
  }

  /** True when `credential` is accepted (a cheap read as it). */
  async function credentialWorks(credential: string): Promise<boolean> {
    const r = await s.gql(`{ universe { games } }`, {}, credential);
    return r.errors === undefined && r.data !== null;
  }

  it("the snapshot sees writes, so the 'changes nothing' checks can fail", async () => {
    const before = await snapshot();
    must(await s.gql(M.heartbeat, { playerIds: [] }, w.gameA.apiKey));
    const afterBeat = await snapshot();
    expect(afterBeat).not.toEqual(before);
    // A write the API cannot show (there is no developers query): only the table digests see it.
    must(await s.gql(M.createDeveloper, { input: { name: "Snapshot Probe" } }, TEST_ADMIN_TOKEN));
    if (db) expect(await snapshot()).not.toEqual(afterBeat);
  });

  // ---------------------------------------------------------------- registerGame

  describe("registerGame", () => {
    const input = (over: Vars = {}, realm: Vars = {}): Vars => ({
      input: {
        id: "fresh-game",
        name: "Fresh Game",
        developerName: "Developer A",
        realm: { ...realmInput(), ...realm },
        ...over,
      },
    });
    const cases: Case[] = [
      ...BAD_SLUGS.map(([what, id]): Case => ({
        name: `id: ${what}`,
        query: M.registerGame,
        vars: () => input({ id }),
        code: "BAD_USER_INPUT",
        message: slugMessage("id"),
        field: "id",
      })),
      ...BAD_SLUGS.map(([what, id]): Case => ({
        name: `id: ${what}, as a developer`,
        query: M.registerGame,
        vars: () => input({ id, developerName: undefined }),
        as: (x) => x.devA.key,
        code: "BAD_USER_INPUT",
        message: slugMessage("id"),
        field: "id",
      })),
      ...(["name", "developerName"] as const).flatMap((field): Case[] => [
        {
          name: `${field}: empty`,
          query: M.registerGame,
          vars: () => input({ [field]: "" }),
          code: "BAD_USER_INPUT",
          message: new RegExp(`^${field} must be 1–80 characters`),
          field,
        },
        {
          name: `${field}: only spaces`,
          query: M.registerGame,
          vars: () => input({ [field]: "   " }),
          code: "BAD_USER_INPUT",
          message: new RegExp(`^${field} must not be blank$`),
          field,
        },
        {
          name: `${field}: 81 characters`,
          query: M.registerGame,
          vars: () => input({ [field]: "n".repeat(81) }),
          code: "BAD_USER_INPUT",
          message: new RegExp(`^${field} must be 1–80 characters$`),
          field,
        },
      ]),
      {
        name: "developerName: missing when an admin registers",
        query: M.registerGame,
        vars: () => input({ developerName: null }),
        code: "BAD_USER_INPUT",
        message: /^developerName is required when an admin registers a game$/,
        field: "developerName",
      },
      {
        name: "description: 501 characters",
        query: M.registerGame,
        vars: () => input({ description: "d".repeat(501) }),
        code: "BAD_USER_INPUT",
        message: /^description must be at most 500 characters$/,
        field: "description",
      },
      ...(
        [
          [0, /^tickEvery must be at least 1$/],
          [-5, /^tickEvery must be at least 1$/],
          [1001, /^tickEvery must be at most 1000$/],
        ] as const
      ).map(([tickEvery, message]): Case => ({
        name: `tickEvery: ${tickEvery}`,
        query: M.registerGame,
        vars: () => input({ tickEvery }),
        code: "BAD_USER_INPUT",
        message,
        field: "tickEvery",
      })),
      {
        name: "realm.name: empty",
        query: M.registerGame,
        vars: () => input({}, { name: "" }),
        code: "BAD_USER_INPUT",
        message: /^realm\.name must be 1–80 characters/,
        field: "realm.name",
      },
      {
        name: "realm.name: only spaces",
        query: M.registerGame,
        vars: () => input({}, { name: " \t " }),
        code: "BAD_USER_INPUT",
        message: /^realm\.name must not be blank$/,
        field: "realm.name",
      },
      {
        name: "realm.name: 81 characters",
        query: M.registerGame,
        vars: () => input({}, { name: "r".repeat(81) }),
        code: "BAD_USER_INPUT",
        message: /^realm\.name must be 1–80 characters$/,
        field: "realm.name",
      },
      ...ADDRESS_FIELDS.flatMap((part) =>
        BAD_ADDRESS_PARTS.map(([what, value]): Case => ({
          name: `realm.${part}: ${what}`,
          query: M.registerGame,
          vars: () => input({}, { [part]: value }),
          code: "BAD_USER_INPUT",
          message: addressMessage(`realm.${part}`),
          field: `realm.${part}`,
        })),
      ),
      // Postgres refuses U+0000 in text: the API must say so, not fail with an internal error.
      ...(["name", "developerName", "description"] as const).map((field): Case => ({
        name: `${field}: contains a NUL character`,
        query: M.registerGame,
        vars: () => input({ [field]: "Bad\u0000Name" }),
        code: "BAD_USER_INPUT",
        message: new RegExp(`\\b${field}\\b`),
        field,
      })),
      {
        name: "realm.name: contains a NUL character",
        query: M.registerGame,
        vars: () => input({}, { name: "Bad\u0000Realm" }),
        code: "BAD_USER_INPUT",
        message: /\brealm\.name\b/,
        field: "realm.name",
      },
      {
        name: "id taken by a registered game",
        query: M.registerGame,
        vars: () => input({ id: "game-a" }),
        code: "CONFLICT",
        message: /^The game id "game-a" is taken: choose another$/,
      },
      {
        name: "id taken by a registered game, as a developer",
        query: M.registerGame,
        vars: () => input({ id: "game-b", developerName: undefined }),
        as: (x) => x.devA.key,
        code: "CONFLICT",
        message: /^The game id "game-b" is taken: choose another$/,
      },
      {
        name: "id of an unregistered game (ids are never reused)",
        query: M.registerGame,
        vars: () => input({ id: "game-gone" }),
        code: "CONFLICT",
        message: /^The game id "game-gone" is taken/,
      },
      {
        name: "a developer registering under another developer's name",
        query: M.registerGame,
        vars: () => input({ developerName: "Developer B" }),
        as: (x) => x.devA.key,
        code: "FORBIDDEN",
        message: /registers games under its own name \("Developer A"\)/,
      },
      // Wrong shapes a client can send in variables: graphql-js coercion errors.
      {
        name: "tickEvery: not an integer (variables)",
        query: M.registerGame,
        vars: () => input({ tickEvery: 1.5 }),
        code: "BAD_USER_INPUT",
        message: /input\.tickEvery.*Int cannot represent non-integer value: 1\.5/,
      },
      {
        name: "tickEvery: a string (variables)",
        query: M.registerGame,
        vars: () => input({ tickEvery: "5" }),
        code: "BAD_USER_INPUT",
        message: /input\.tickEvery.*Int cannot represent/,
      },
      {
        name: "realm: missing (variables)",
        query: M.registerGame,
        vars: () => ({ input: { id: "fresh-game", name: "Fresh", developerName: "Developer A" } }),
        code: "BAD_USER_INPUT",
        message: /Field "realm" of required type "RealmInput!" was not provided/,
      },
      {
        name: "an unknown input field (variables)",
        query: M.registerGame,
        vars: () => input({ bogus: 1 }),
        code: "BAD_USER_INPUT",
        message: /Field "bogus" is not defined by type "RegisterGameInput"/,
      },
      {
        name: "realm: missing (inline literal)",
        query: `mutation { registerGame(input: { id: "fresh-game", name: "F", developerName: "D" }) { apiKey } }`,
        vars: () => ({}),
        code: "BAD_USER_INPUT",
        message: /Field "RegisterGameInput\.realm" of required type "RealmInput!" was not provided/,
      },
      {
        name: "tickEvery: not an integer (inline literal)",
        query: `mutation { registerGame(input: { id: "fresh-game", name: "F", developerName: "D", tickEvery: 2.5,
          realm: { name: "R", realmType: "a", adjacency: "b", resonance: "c" } }) { apiKey } }`,
        vars: () => ({}),
        code: "BAD_USER_INPUT",
        message: /Int cannot represent non-integer value: 2\.5/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("names every invalid field at once, with the first one as `field`", async () => {
      const r = await rejects({
        name: "many",
        query: M.registerGame,
        vars: () => input({ id: "Bad", name: "", tickEvery: 0 }, { realmType: "Bad Type" }),
        code: "BAD_USER_INPUT",
        message: /id must be 3–40 characters/,
        field: "id",
      });
      const e = r.errors![0]!;
      for (const f of ["id", "name", "tickEvery", "realm.realmType"]) expect(e.message).toContain(`${f} must`);
      const fields = (e.extensions!["problems"] as { field: string }[]).map((p) => p.field);
      expect(new Set(fields)).toEqual(new Set(["id", "name", "tickEvery", "realm.realmType"]));
    });

    it("an invalid realm creates no game: the id stays free and registers afterwards", async () => {
      await rejects({
        name: "bad realm",
        query: M.registerGame,
        vars: () => input({ id: "realm-later" }, { resonance: "NOT VALID" }),
        code: "BAD_USER_INPUT",
        message: addressMessage("realm.resonance"),
        field: "realm.resonance",
      });
      const lookup = await s.gql(`{ game(id: "realm-later") { id } }`, {}, TEST_ADMIN_TOKEN);
      expectError(lookup, { code: "NOT_FOUND", message: /^Game "realm-later" was not found$/ });
      const ok = await s.gql(M.registerGame, input({ id: "realm-later" }), TEST_ADMIN_TOKEN);
      expect(ok.errors).toBeUndefined();
    });

    it("a realm the database refuses leaves no game behind (one transaction)", async () => {
      const before = await snapshot();
      const r = await s.gql(M.registerGame, input({ id: "half-game" }, { name: "Half\u0000Realm" }), TEST_ADMIN_TOKEN);
      expect(r.errors?.length).toBe(1);
      expect(r.data ?? null).toBeNull();
      expect(await snapshot()).toEqual(before);
      const lookup = await s.gql(`{ game(id: "half-game") { id } }`, {}, TEST_ADMIN_TOKEN);
      expect(lookup.errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
    });

    it("a taken id leaves the existing game and its API key working", async () => {
      await rejects({
        name: "taken",
        query: M.registerGame,
        vars: () => input({ id: "game-a", name: "Impostor" }),
        code: "CONFLICT",
        message: /is taken/,
      });
      expect(await credentialWorks(w.gameA.apiKey)).toBe(true);
      const g = must(
        await s.gql<{ game: { name: string; status: string; developerName: string } }>(
          `{ game(id: "game-a") { name status developerName } }`,
          {},
          w.gameA.apiKey,
        ),
      );
      expect(g.game).toEqual({ name: "Game game-a", status: "ACTIVE", developerName: "Developer A" });
    });

    it("boundaries that are valid: a 3- and a 40-character id, tickEvery 1 and 1000, 80/500-character texts", async () => {
      for (const [id, tickEvery] of [
        ["abc", 1],
        [`z${"9".repeat(39)}`, 1000],
      ] as const) {
        const r = await s.gql(
          M.registerGame,
          input({ id, tickEvery, name: "n".repeat(80), description: "d".repeat(500) }, { name: "r".repeat(80) }),
          TEST_ADMIN_TOKEN,
        );
        expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      }
    });
  });

  // ---------------------------------------------------------------- createRealm

  describe("createRealm", () => {
    const input = (over: Vars = {}): Vars => ({
      input: { name: "Second", realmType: "desert", adjacency: "south", resonance: "solar", ...over },
    });
    const cases: Case[] = [
      ...BAD_SLUGS.map(([what, gameId]): Case => ({
        name: `gameId: ${what}`,
        query: M.createRealm,
        vars: () => input({ gameId }),
        code: "BAD_USER_INPUT",
        message: slugMessage("gameId"),
        field: "gameId",
      })),
      {
        name: "name: empty",
        query: M.createRealm,
        vars: () => input({ name: "" }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^name must be 1–80 characters/,
        field: "name",
      },
      {
        name: "name: only spaces",
        query: M.createRealm,
        vars: () => input({ name: "    " }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^name must not be blank$/,
        field: "name",
      },
      {
        name: "name: 81 characters",
        query: M.createRealm,
        vars: () => input({ name: "n".repeat(81) }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^name must be 1–80 characters$/,
        field: "name",
      },
      ...ADDRESS_FIELDS.flatMap((part) =>
        BAD_ADDRESS_PARTS.map(([what, value]): Case => ({
          name: `${part}: ${what}`,
          query: M.createRealm,
          vars: () => input({ [part]: value }),
          as: gameA,
          code: "BAD_USER_INPUT",
          message: addressMessage(part),
          field: part,
        })),
      ),
      {
        name: "name: contains a NUL character",
        query: M.createRealm,
        vars: () => input({ name: "Bad\u0000Realm" }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /\bname\b/,
        field: "name",
      },
      {
        name: "gameId: a valid slug no game has",
        query: M.createRealm,
        vars: () => input({ gameId: "no-such-game" }),
        code: "NOT_FOUND",
        message: /^Game "no-such-game" was not found$/,
      },
      {
        name: "gameId: another game's, with a game key",
        query: M.createRealm,
        vars: () => input({ gameId: "game-b" }),
        as: gameA,
        code: "FORBIDDEN",
        message: /^Only the owners of game "game-b" may change it$/,
      },
      {
        name: "gameId: missing when an admin calls",
        query: M.createRealm,
        vars: () => input(),
        code: "BAD_USER_INPUT",
        message: /`?gameId`? is required/,
        field: "gameId",
      },
      {
        name: "gameId: an unregistered game's",
        query: M.createRealm,
        vars: () => input({ gameId: "game-gone" }),
        code: "FORBIDDEN",
        message: /^Game "game-gone" is unregistered and read-only$/,
      },
      {
        name: "name: taken in the game",
        query: M.createRealm,
        vars: () => input({ name: "Main" }),
        as: gameA,
        code: "CONFLICT",
        message: /^Game "game-a" already has a realm named "Main"$/,
      },
      {
        name: "name: taken in the game, with spaces around it",
        query: M.createRealm,
        vars: () => input({ name: "  Main ", gameId: "game-a" }),
        code: "CONFLICT",
        message: /^Game "game-a" already has a realm named "Main"$/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("a realm name is unique per game only: taken in one game, free in another", async () => {
      must(await s.gql(M.createRealm, input({ name: "Annex" }), w.gameA.apiKey));
      const r = await s.gql(M.createRealm, input({ name: "Annex" }), w.gameB.apiKey);
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      await rejects({
        name: "Annex again",
        query: M.createRealm,
        vars: () => input({ name: "Annex" }),
        as: gameA,
        code: "CONFLICT",
        message: /^Game "game-a" already has a realm named "Annex"$/,
      });
    });
  });

  // ---------------------------------------------------------------- createRoom

  describe("createRoom", () => {
    const input = (x: World, over: Vars = {}): Vars => ({
      input: { realmId: x.gameA.realmId, name: "Hall", ...over },
    });
    const cases: Case[] = [
      ...NOT_UUIDS.map(([what, realmId]): Case => ({
        name: `realmId: ${what}`,
        query: M.createRoom,
        vars: (x) => input(x, { realmId }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^realmId must be a UUID$/,
        field: "realmId",
      })),
      {
        name: "realmId: a UUID no realm has",
        query: M.createRoom,
        vars: (x) => input(x, { realmId: UNKNOWN_UUID }),
        as: gameA,
        code: "NOT_FOUND",
        message: new RegExp(`^Realm "${UNKNOWN_UUID}" was not found$`),
      },
      {
        name: "realmId: another game's realm",
        query: M.createRoom,
        vars: (x) => input(x, { realmId: x.gameB.realmId }),
        as: gameA,
        code: "FORBIDDEN",
        message: /^Only the owners of game "game-b" may change it$/,
      },
      {
        name: "name: empty",
        query: M.createRoom,
        vars: (x) => input(x, { name: "" }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^name must be 1–80 characters/,
        field: "name",
      },
      {
        name: "name: only spaces",
        query: M.createRoom,
        vars: (x) => input(x, { name: "\n \t" }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^name must not be blank$/,
        field: "name",
      },
      {
        name: "name: 81 characters",
        query: M.createRoom,
        vars: (x) => input(x, { name: "n".repeat(81) }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^name must be 1–80 characters$/,
        field: "name",
      },
      {
        name: "description: 501 characters",
        query: M.createRoom,
        vars: (x) => input(x, { description: "d".repeat(501) }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^description must be at most 500 characters$/,
        field: "description",
      },
      ...(["name", "description"] as const).map((field): Case => ({
        name: `${field}: contains a NUL character`,
        query: M.createRoom,
        vars: (x) => input(x, { [field]: "Bad\u0000Room" }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: new RegExp(`\\b${field}\\b`),
        field,
      })),
      {
        name: "realmId: null (variables)",
        query: M.createRoom,
        vars: (x) => input(x, { realmId: null }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /input\.realmId.*not to be null/,
      },
      {
        name: "name: taken in the realm",
        query: M.createRoom,
        vars: (x) => input(x, { name: "Lobby" }),
        as: gameA,
        code: "CONFLICT",
        message: /^The realm already has a room named "Lobby"$/,
      },
      {
        name: "name: taken in the realm, with spaces around it (as admin)",
        query: M.createRoom,
        vars: (x) => input(x, { name: " Lobby  " }),
        code: "CONFLICT",
        message: /^The realm already has a room named "Lobby"$/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));
  });

  // ---------------------------------------------------------------- upsertPlayer

  describe("upsertPlayer", () => {
    const input = (over: Vars = {}): Vars => ({ input: { externalId: "p-new", displayName: "New", ...over } });
    const externalIdMessage = /^externalId must be 1–128 printable ASCII characters without spaces$/;
    const cases: Case[] = [
      ...BAD_SLUGS.map(([what, gameId]): Case => ({
        name: `gameId: ${what}`,
        query: M.upsertPlayer,
        vars: () => input({ gameId }),
        code: "BAD_USER_INPUT",
        message: slugMessage("gameId"),
        field: "gameId",
      })),
      ...(
        [
          ["empty", ""],
          ["a space", "has space"],
          ["a tab", "tab\there"],
          ["129 characters", "x".repeat(129)],
          ["non-ASCII", "jörg"],
        ] as const
      ).map(([what, externalId]): Case => ({
        name: `externalId: ${what}`,
        query: M.upsertPlayer,
        vars: () => input({ externalId }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: externalIdMessage,
        field: "externalId",
      })),
      {
        name: "displayName: empty (renaming an existing player)",
        query: M.upsertPlayer,
        vars: () => input({ externalId: "p1", displayName: "" }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^displayName must be 1–64 characters/,
        field: "displayName",
      },
      {
        name: "displayName: only spaces",
        query: M.upsertPlayer,
        vars: () => input({ displayName: "   " }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^displayName must not be blank$/,
        field: "displayName",
      },
      {
        name: "displayName: 65 characters",
        query: M.upsertPlayer,
        vars: () => input({ displayName: "d".repeat(65) }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^displayName must be 1–64 characters$/,
        field: "displayName",
      },
      {
        name: "displayName: contains a NUL character",
        query: M.upsertPlayer,
        vars: () => input({ externalId: "p1", displayName: "Bad\u0000Name" }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /\bdisplayName\b/,
        field: "displayName",
      },
      {
        name: "gameId: a valid slug no game has",
        query: M.upsertPlayer,
        vars: () => input({ gameId: "no-such-game" }),
        code: "NOT_FOUND",
        message: /^Game "no-such-game" was not found$/,
      },
      {
        name: "gameId: another game's, with a game key",
        query: M.upsertPlayer,
        vars: () => input({ gameId: "game-b" }),
        as: gameA,
        code: "FORBIDDEN",
        message: /^Only the owners of game "game-b" may change it$/,
      },
      {
        name: "gameId: missing when an admin calls",
        query: M.upsertPlayer,
        vars: () => input(),
        code: "BAD_USER_INPUT",
        message: /`?gameId`? is required/,
        field: "gameId",
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("a 128-character externalId is valid", async () => {
      const r = await s.gql(M.upsertPlayer, input({ externalId: "~".repeat(128) }), w.gameA.apiKey);
      expect(r.errors).toBeUndefined();
    });
  });

  // ---------------------------------------------------------------- issuePlayerToken

  describe("issuePlayerToken", () => {
    const cases: Case[] = [
      ...NOT_UUIDS.map(([what, playerId]): Case => ({
        name: `playerId: ${what}`,
        query: M.issuePlayerToken,
        vars: () => ({ playerId }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^playerId must be a player id \(a UUID\)$/,
        field: "playerId",
      })),
      {
        name: "playerId: a UUID no player has",
        query: M.issuePlayerToken,
        vars: () => ({ playerId: UNKNOWN_UUID }),
        as: gameA,
        code: "NOT_FOUND",
        message: new RegExp(`^Player "${UNKNOWN_UUID}" was not found$`),
      },
      {
        name: "playerId: a UUID no player has (as admin)",
        query: M.issuePlayerToken,
        vars: () => ({ playerId: UNKNOWN_UUID }),
        code: "NOT_FOUND",
        message: new RegExp(`^Player "${UNKNOWN_UUID}" was not found$`),
      },
      {
        name: "playerId: another game's player",
        query: M.issuePlayerToken,
        vars: (x) => ({ playerId: x.gameB.players[0]!.id }),
        as: gameA,
        code: "NOT_FOUND",
        message: /^Player "[0-9a-f-]{36}" was not found$/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));
  });

  // ---------------------------------------------------------------- movePlayer

  describe("movePlayer", () => {
    const p1 = (x: World) => x.gameA.players[0]!.id;
    const cases: Case[] = [
      ...NOT_UUIDS.map(([what, playerId]): Case => ({
        name: `playerId: ${what}`,
        query: M.movePlayer,
        vars: (x) => ({ playerId, roomId: x.gameA.roomId }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^playerId must be a player id \(a UUID\)$/,
        field: "playerId",
      })),
      ...NOT_UUIDS.map(([what, roomId]): Case => ({
        name: `roomId: ${what}`,
        query: M.movePlayer,
        vars: (x) => ({ playerId: p1(x), roomId }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^roomId must be a room id \(a UUID\)$/,
        field: "roomId",
      })),
      {
        name: "playerId: a UUID no player has",
        query: M.movePlayer,
        vars: (x) => ({ playerId: UNKNOWN_UUID, roomId: x.gameA.roomId }),
        as: gameA,
        code: "NOT_FOUND",
        message: new RegExp(`^Player "${UNKNOWN_UUID}" was not found$`),
      },
      {
        name: "roomId: a UUID no room has",
        query: M.movePlayer,
        vars: (x) => ({ playerId: p1(x), roomId: UNKNOWN_UUID }),
        as: gameA,
        code: "NOT_FOUND",
        message: new RegExp(`^Room "${UNKNOWN_UUID}" was not found$`),
      },
      {
        name: "roomId: another game's room, with the game key",
        query: M.movePlayer,
        vars: (x) => ({ playerId: p1(x), roomId: x.gameB.roomId }),
        as: gameA,
        code: "NOT_FOUND",
        message: /^Room "[0-9a-f-]{36}" was not found$/,
      },
      {
        name: "roomId: another game's room, as admin",
        query: M.movePlayer,
        vars: (x) => ({ playerId: p1(x), roomId: x.gameB.roomId }),
        code: "NOT_FOUND",
        message: /^Room "[0-9a-f-]{36}" was not found$/,
      },
      {
        name: "roomId: another game's room, as the player itself",
        query: M.movePlayer,
        vars: (x) => ({ playerId: p1(x), roomId: x.gameB.roomId }),
        as: (x) => x.gameA.players[0]!.token,
        code: "NOT_FOUND",
        message: /^Room "[0-9a-f-]{36}" was not found$/,
      },
      {
        name: "playerId: another game's player",
        query: M.movePlayer,
        vars: (x) => ({ playerId: x.gameB.players[0]!.id, roomId: null }),
        as: gameA,
        code: "NOT_FOUND",
        message: /^Player "[0-9a-f-]{36}" was not found$/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("into another game's room: the player stays where it was and no room's version moves", async () => {
      const occupants = async (roomId: string) =>
        must(
          await s.gql<{ roomOccupants: { version: string; occupants: { id: string }[] } }>(
            `query($r: ID!) { roomOccupants(roomId: $r) { version occupants { id } } }`,
            { r: roomId },
            TEST_ADMIN_TOKEN,
          ),
        ).roomOccupants;
      const [a0, b0] = [await occupants(w.gameA.roomId), await occupants(w.gameB.roomId)];
      expect(a0.occupants.map((o) => o.id)).toContain(p1(w));
      await rejects({
        name: "cross-game move",
        query: M.movePlayer,
        vars: (x) => ({ playerId: p1(x), roomId: x.gameB.roomId }),
        code: "NOT_FOUND",
        message: /^Room "[0-9a-f-]{36}" was not found$/,
      });
      const [a1, b1] = [await occupants(w.gameA.roomId), await occupants(w.gameB.roomId)];
      expect(a1).toEqual(a0);
      expect(b1).toEqual(b0);
      expect(b1.occupants.map((o) => o.id)).not.toContain(p1(w));
    });
  });

  // ---------------------------------------------------------------- publishEvent

  describe("publishEvent", () => {
    const input = (over: Vars = {}): Vars => ({ input: { type: "trade.offer", ...over } });
    const typeMessage =
      /^type must start with a letter and have 1–64 characters of A-Z, a-z, 0-9, '_', '\.', ':' and '-'$/;
    const keyMessage = /^idempotencyKey must be 1–128 printable ASCII characters without spaces$/;
    const dataLimit = /^data is (\d+) bytes; the limit is 65536 bytes$/;
    const cases: Case[] = [
      ...(
        [
          ["empty", ""],
          ["leading digit", "1trade"],
          ["leading dot", ".trade"],
          ["a space", "trade offer"],
          ["a slash", "trade/offer"],
          ["65 characters", `t${"x".repeat(64)}`],
        ] as const
      ).map(([what, type]): Case => ({
        name: `type: ${what}`,
        query: M.publishEvent,
        vars: () => input({ type }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: typeMessage,
        field: "type",
      })),
      ...BAD_SLUGS.map(([what, targetGameId]): Case => ({
        name: `targetGameId: ${what}`,
        query: M.publishEvent,
        vars: () => input({ targetGameId }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: slugMessage("targetGameId"),
        field: "targetGameId",
      })),
      {
        name: "targetGameId: a valid slug no game has",
        query: M.publishEvent,
        vars: () => input({ targetGameId: "no-such-game" }),
        as: gameA,
        code: "NOT_FOUND",
        message: /^Game "no-such-game" was not found$/,
      },
      {
        name: "targetGameId: an unregistered game",
        query: M.publishEvent,
        vars: () => input({ targetGameId: "game-gone" }),
        as: gameA,
        code: "NOT_FOUND",
        message: /^Game "game-gone" was not found$/,
      },
      {
        name: "targetGameId: a valid slug no game has (as admin)",
        query: M.publishEvent,
        vars: () => input({ targetGameId: "no-such-game" }),
        code: "NOT_FOUND",
        message: /^Game "no-such-game" was not found$/,
      },
      {
        name: "targetRealm: {}",
        query: M.publishEvent,
        vars: () => input({ targetRealm: {} }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^targetRealm needs at least one of realmType, adjacency, resonance$/,
        field: "targetRealm",
      },
      {
        name: "targetRealm: every part null",
        query: M.publishEvent,
        vars: () => input({ targetRealm: { realmType: null, adjacency: null, resonance: null } }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^targetRealm needs at least one of realmType, adjacency, resonance$/,
        field: "targetRealm",
      },
      ...ADDRESS_FIELDS.flatMap((part) =>
        BAD_ADDRESS_PARTS.map(([what, value]): Case => ({
          name: `targetRealm.${part}: ${what}`,
          query: M.publishEvent,
          vars: () => input({ targetRealm: { [part]: value } }),
          as: gameA,
          code: "BAD_USER_INPUT",
          message: addressMessage(`targetRealm.${part}`),
          field: `targetRealm.${part}`,
        })),
      ),
      {
        name: "data: 65537 bytes (a string)",
        query: M.publishEvent,
        vars: () => input({ data: "x".repeat(65535) }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^data is 65537 bytes; the limit is 65536 bytes$/,
        field: "data",
      },
      {
        name: "data: 65538 bytes of 2-byte characters (bytes, not characters, count)",
        query: M.publishEvent,
        vars: () => input({ data: "é".repeat(32768) }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^data is 65538 bytes; the limit is 65536 bytes$/,
        field: "data",
      },
      {
        name: "data: a large object (as admin)",
        query: M.publishEvent,
        vars: () => input({ data: { items: Array.from({ length: 5000 }, (_, i) => ({ i, pad: "0123456789" })) } }),
        code: "BAD_USER_INPUT",
        message: dataLimit,
        field: "data",
      },
      {
        name: "data: contains a NUL character",
        query: M.publishEvent,
        vars: () => input({ data: { note: "Bad\u0000Data" } }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /\bdata\b/,
        field: "data",
      },
      ...(
        [
          ["empty", ""],
          ["a space", "retry 1"],
          ["129 characters", "k".repeat(129)],
          ["non-ASCII", "clé"],
        ] as const
      ).map(([what, idempotencyKey]): Case => ({
        name: `idempotencyKey: ${what}`,
        query: M.publishEvent,
        vars: () => input({ idempotencyKey }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: keyMessage,
        field: "idempotencyKey",
      })),
      {
        name: "delivery: a value the enum lacks (variables)",
        query: M.publishEvent,
        vars: () => input({ delivery: "LATER" }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /input\.delivery.*Value "LATER" does not exist in "EventDelivery" enum/,
      },
      {
        name: "delivery: lowercase (variables)",
        query: M.publishEvent,
        vars: () => input({ delivery: "immediate" }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /input\.delivery.*"immediate" does not exist in "EventDelivery" enum/,
      },
      {
        name: "delivery: a value the enum lacks (inline literal)",
        query: `mutation { publishEvent(input: { type: "trade.offer", delivery: LATER }) { id } }`,
        vars: () => ({}),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /Value "LATER" does not exist in "EventDelivery" enum/,
      },
      {
        name: "type: missing (variables)",
        query: M.publishEvent,
        vars: () => ({ input: { data: {} } }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /Field "type" of required type "String!" was not provided/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("data of exactly 65536 bytes is accepted, one byte more is not", async () => {
      // Distinct idempotency keys keep this about size alone (see the keyless test below).
      const at = await s.gql<{ publishEvent: { seq: string } }>(
        M.publishEvent,
        input({ data: "x".repeat(65534), idempotencyKey: "at-limit-ascii" }),
        w.gameA.apiKey,
      );
      expect(at.errors, JSON.stringify(at.errors)).toBeUndefined();
      expect(at.data?.publishEvent.seq).toMatch(/^\d+$/);
      const wide = await s.gql(
        M.publishEvent,
        input({ data: "é".repeat(32767), idempotencyKey: "at-limit-wide" }),
        w.gameA.apiKey,
      );
      expect(wide.errors, JSON.stringify(wide.errors)).toBeUndefined();
      await rejects({
        name: "one more",
        query: M.publishEvent,
        vars: () => input({ data: "x".repeat(65535) }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^data is 65537 bytes; the limit is 65536 bytes$/,
        field: "data",
      });
    });

    it("valid edges: a 64-character type and a 128-character idempotencyKey", async () => {
      const r = await s.gql(
        M.publishEvent,
        input({ type: `T${"a".repeat(63)}`, idempotencyKey: "~".repeat(128) }),
        w.gameA.apiKey,
      );
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    });

    it("valid events without an idempotencyKey are all accepted, from a game and from the admin", async () => {
      const publishers = [
        ["game-a", w.gameA.apiKey],
        ["the admin", TEST_ADMIN_TOKEN],
      ] as const;
      for (const [who, credential] of publishers) {
        for (const n of [1, 2]) {
          const r = await s.gql(M.publishEvent, input({ type: "keyless.ping", data: { n } }), credential);
          expect(r.errors, `keyless event #${n} from ${who}: ${JSON.stringify(r.errors)}`).toBeUndefined();
        }
      }
    });

    it("an idempotencyKey reused for other content is a CONFLICT and stores nothing", async () => {
      const first = must(
        await s.gql<{ publishEvent: { id: string } }>(
          M.publishEvent,
          input({ idempotencyKey: "offer-42", data: { price: 1 } }),
          w.gameA.apiKey,
        ),
      );
      await rejects({
        name: "reused key",
        query: M.publishEvent,
        vars: () => input({ idempotencyKey: "offer-42", data: { price: 2 } }),
        as: gameA,
        code: "CONFLICT",
        message: /^idempotencyKey "offer-42" was used for a different event: use a new key for new content$/,
      });
      const again = must(
        await s.gql<{ publishEvent: { id: string } }>(
          M.publishEvent,
          input({ idempotencyKey: "offer-42", data: { price: 1 } }),
          w.gameA.apiKey,
        ),
      );
      expect(again.publishEvent.id).toBe(first.publishEvent.id);
    });
  });

  // ---------------------------------------------------------------- heartbeat

  describe("heartbeat", () => {
    const uuids = (n: number) =>
      Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const cases: Case[] = [
      {
        name: "playerIds: 1001 distinct ids",
        query: M.heartbeat,
        vars: () => ({ playerIds: uuids(1001) }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^heartbeat takes at most 1000 playerIds at once$/,
        field: "playerIds",
      },
      {
        name: "playerIds: 1000 unknown ids (within the limit, so NOT_FOUND)",
        query: M.heartbeat,
        vars: () => ({ playerIds: uuids(1000) }),
        as: gameA,
        code: "NOT_FOUND",
        message: /^Player "00000000-0000-4000-8000-\d{12}" was not found$/,
      },
      ...NOT_UUIDS.filter(([, id]) => id !== "").map(([what, id]): Case => ({
        name: `playerIds: ${what}`,
        query: M.heartbeat,
        vars: (x) => ({ playerIds: [x.gameA.players[0]!.id, id] }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: new RegExp(`^playerIds: "${id}" is not a player id \\(a UUID\\)$`),
        field: "playerIds",
      })),
      {
        name: "playerIds: an empty string",
        query: M.heartbeat,
        vars: () => ({ playerIds: [""] }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /^playerIds: "" is not a player id \(a UUID\)$/,
        field: "playerIds",
      },
      {
        name: "playerIds: a null entry (variables)",
        query: M.heartbeat,
        vars: () => ({ playerIds: [null] }),
        as: gameA,
        code: "BAD_USER_INPUT",
        message: /playerIds\[0\].*not to be null/,
      },
      {
        name: "playerIds: one unknown next to a known one",
        query: M.heartbeat,
        vars: (x) => ({ playerIds: [x.gameA.players[0]!.id, UNKNOWN_UUID, x.gameA.players[1]!.id] }),
        as: gameA,
        code: "NOT_FOUND",
        message: new RegExp(`^Player "${UNKNOWN_UUID}" was not found$`),
      },
      {
        name: "playerIds: another game's player",
        query: M.heartbeat,
        vars: (x) => ({ playerIds: [x.gameA.players[0]!.id, x.gameB.players[0]!.id] }),
        as: gameA,
        code: "NOT_FOUND",
        message: /^Player "[0-9a-f-]{36}" was not found$/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("one unknown id updates neither the game's lastHeartbeatAt nor the other players' lastSeenAt", async () => {
      // A successful beat first, so there is a lastHeartbeatAt that must not move.
      must(await s.gql(M.heartbeat, { playerIds: [w.gameA.players[0]!.id] }, w.gameA.apiKey));
      const state = async () => {
        const d = must(
          await s.gql<{ game: { lastHeartbeatAt: string | null }; players: { id: string; lastSeenAt: string }[] }>(
            `{ game(id: "game-a") { lastHeartbeatAt } players(gameId: "game-a") { id lastSeenAt } }`,
            {},
            TEST_ADMIN_TOKEN,
          ),
        );
        return { beat: d.game.lastHeartbeatAt, seen: Object.fromEntries(d.players.map((p) => [p.id, p.lastSeenAt])) };
      };
      const before = await state();
      expect(before.beat).not.toBeNull();
      await rejects({
        name: "unknown id",
        query: M.heartbeat,
        vars: (x) => ({ playerIds: [x.gameA.players[0]!.id, x.gameA.players[1]!.id, UNKNOWN_UUID] }),
        as: gameA,
        code: "NOT_FOUND",
        message: new RegExp(`^Player "${UNKNOWN_UUID}" was not found$`),
      });
      expect(await state()).toEqual(before);
    });
  });

  // ---------------------------------------------------------------- createDeveloper

  describe("createDeveloper", () => {
    const cases: Case[] = [
      {
        name: "name: empty",
        query: M.createDeveloper,
        vars: () => ({ input: { name: "" } }),
        code: "BAD_USER_INPUT",
        message: /^name must be 1–80 characters/,
        field: "name",
      },
      {
        name: "name: only spaces",
        query: M.createDeveloper,
        vars: () => ({ input: { name: "     " } }),
        code: "BAD_USER_INPUT",
        message: /^name must not be blank$/,
        field: "name",
      },
      {
        name: "name: 81 characters",
        query: M.createDeveloper,
        vars: () => ({ input: { name: "n".repeat(81) } }),
        code: "BAD_USER_INPUT",
        message: /^name must be 1–80 characters$/,
        field: "name",
      },
      {
        name: "name: contains a NUL character",
        query: M.createDeveloper,
        vars: () => ({ input: { name: "Bad\u0000Dev" } }),
        code: "BAD_USER_INPUT",
        message: /\bname\b/,
        field: "name",
      },
      {
        name: "name: taken",
        query: M.createDeveloper,
        vars: () => ({ input: { name: "Developer A" } }),
        code: "CONFLICT",
        message: /^A developer named "Developer A" exists already$/,
      },
      {
        name: "name: taken, with spaces around it",
        query: M.createDeveloper,
        vars: () => ({ input: { name: "  Developer B " } }),
        code: "CONFLICT",
        message: /^A developer named "Developer B" exists already$/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("a taken name leaves the existing developer's key working", async () => {
      await rejects(cases.find((c) => c.name === "name: taken")!);
      expect(await credentialWorks(w.devA.key)).toBe(true);
      const games = must(await s.gql<{ games: { id: string }[] }>(`{ games { id } }`, {}, w.devA.key)).games;
      expect(games.map((g) => g.id)).toContain("game-a");
    });
  });

  // ---------------------------------------------------------------- rotateDeveloperKey

  describe("rotateDeveloperKey", () => {
    const cases: Case[] = [
      {
        name: "id: not a UUID",
        query: M.rotateDeveloperKey,
        vars: () => ({ id: "developer-a" }),
        code: "BAD_USER_INPUT",
        message: /^id must be a developer id \(a UUID\)$/,
        field: "id",
      },
      {
        name: "id: left out by the admin",
        query: M.rotateDeveloperKey,
        vars: () => ({}),
        code: "BAD_USER_INPUT",
        message: /^id is required when the admin rotates a developer key$/,
        field: "id",
      },
      {
        name: "id: no such developer",
        query: M.rotateDeveloperKey,
        vars: () => ({ id: UNKNOWN_UUID }),
        code: "NOT_FOUND",
        message: new RegExp(`^Developer "${UNKNOWN_UUID}" was not found$`),
      },
      {
        name: "id: another developer's, as a developer",
        query: M.rotateDeveloperKey,
        vars: (x) => ({ id: x.devB.id }),
        as: (x) => x.devA.key,
        code: "NOT_FOUND",
        message: /^Developer "[0-9a-f-]{36}" was not found$/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("a refused rotation leaves both keys working", async () => {
      await rejects(cases.find((c) => c.name.startsWith("id: another developer's"))!);
      expect(await credentialWorks(w.devA.key)).toBe(true);
      expect(await credentialWorks(w.devB.key)).toBe(true);
    });
  });

  // ---------------------------------------------------------------- unregisterGame

  describe("unregisterGame", () => {
    const cases: Case[] = [
      ...BAD_SLUGS.map(([what, id]): Case => ({
        name: `id: ${what}`,
        query: M.unregisterGame,
        vars: () => ({ id }),
        code: "BAD_USER_INPUT",
        message: slugMessage("id"),
        field: "id",
      })),
      {
        name: "id: 5000 characters",
        query: M.unregisterGame,
        vars: () => ({ id: "a".repeat(5000) }),
        code: "BAD_USER_INPUT",
        message: slugMessage("id"),
        field: "id",
      },
      {
        name: "id: uppercase spelling of an existing game",
        query: M.unregisterGame,
        vars: () => ({ id: "GAME-A" }),
        code: "BAD_USER_INPUT",
        message: slugMessage("id"),
        field: "id",
      },
      {
        name: "id: a valid slug no game has",
        query: M.unregisterGame,
        vars: () => ({ id: "no-such-game" }),
        code: "NOT_FOUND",
        message: /^Game "no-such-game" was not found$/,
      },
      {
        name: "id: another developer's game",
        query: M.unregisterGame,
        vars: () => ({ id: "game-b" }),
        as: (x) => x.devA.key,
        code: "FORBIDDEN",
        message: /^Only the owners of game "game-b" may change it$/,
      },
      {
        name: "id: a game unregistered already",
        query: M.unregisterGame,
        vars: () => ({ id: "game-gone" }),
        code: "FORBIDDEN",
        message: /^Game "game-gone" is unregistered and read-only$/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("a refused unregister leaves the game active and its key working", async () => {
      await rejects(cases.find((c) => c.name === "id: another developer's game")!);
      expect(await credentialWorks(w.gameB.apiKey)).toBe(true);
    });
  });

  // ---------------------------------------------------------------- query arguments

  describe("query arguments", () => {
    const EVENTS_AFTER = `query($after: Int64) { events(after: $after) { nodes { id } } }`;
    const int64 = /Int64 must be a 64-bit integer written as a decimal string/;
    const cases: Case[] = [
      ...(
        [
          ["a word", "abc"],
          ["a decimal fraction", "1.5"],
          ["hexadecimal", "0x10"],
          ["empty", ""],
          ["over 2^63-1", "9223372036854775808"],
          ["20 digits", "12345678901234567890"],
          ["a fractional number", 1.5],
          ["a boolean", true],
        ] as const
      ).map(([what, after]): Case => ({
        name: `events(after): ${what} (variables)`,
        query: EVENTS_AFTER,
        vars: () => ({ after }),
        code: "BAD_USER_INPUT",
        message: new RegExp(`\\$after.*${int64.source}`),
      })),
      {
        name: "events(after): a word (inline literal)",
        query: `{ events(after: "abc") { nodes { id } } }`,
        vars: () => ({}),
        code: "BAD_USER_INPUT",
        message: int64,
      },
      {
        name: "events(first): 0",
        query: `{ events(first: 0) { nodes { id } } }`,
        vars: () => ({}),
        code: "BAD_USER_INPUT",
        message: /^first must be at least 1$/,
        field: "first",
      },
      {
        name: "events(first): 501",
        query: `{ events(first: 501) { nodes { id } } }`,
        vars: () => ({}),
        code: "BAD_USER_INPUT",
        message: /^first must be at most 500$/,
        field: "first",
      },
      {
        name: "events(type): not an event type",
        query: `{ events(type: "no spaces allowed") { nodes { id } } }`,
        vars: () => ({}),
        code: "BAD_USER_INPUT",
        message: /^type is not a valid event type$/,
        field: "type",
      },
      {
        name: "games(status): a value the enum lacks (variables)",
        query: `query($status: GameStatus) { games(status: $status) { id } }`,
        vars: () => ({ status: "DELETED" }),
        code: "BAD_USER_INPUT",
        message: /\$status.*Value "DELETED" does not exist in "GameStatus" enum/,
      },
    ];
    it.each(cases)("$name -> $code", (c) => rejects(c).then(() => undefined));

    it("a valid Int64 `after` still reads (the scalar is not simply refusing everything)", async () => {
      const r = await s.gql(EVENTS_AFTER, { after: "0" }, TEST_ADMIN_TOKEN);
      expect(r.errors).toBeUndefined();
    });
  });
});
