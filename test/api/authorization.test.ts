// The authorization matrix: every query and mutation, tried over HTTP by every principal,
// against its own game's data and against another game's. The tables below ARE the policy
// (docs/auth.md, server/src/platform/auth/access.ts):
// - no credential: UNAUTHENTICATED (HTTP 401); a credential that matches nothing: the same;
// - a role the operation is not for (`@Authorized(...)`): FORBIDDEN, whatever the target;
// - a game's private data (rooms, players, events, occupants) the caller may not see:
//   NOT_FOUND, so its existence is not disclosed;
// - something the caller may see but not change (a game's card, its realms, or an
//   unregistered game's read-only data): FORBIDDEN;
// - games and realms are a public directory for every signed-in principal, except unregistered
//   games, which only their owners (the admin and their developer) still see.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlayerTokens } from "../../server/src/platform/auth/player-tokens.ts";
import { MarkedSet } from "../../server/src/platform/realtime/bus-names.ts";
import {
  createRoom,
  issuePlayerToken,
  movePlayer,
  must,
  realmInput,
  registerGame,
  seedWorld,
  upsertPlayer,
  type World,
} from "../support/fixtures.ts";
import { errorCode, type GqlResult } from "../support/graphql.ts";
import { BI, credentialOf, FB, NF, OK, PRINCIPALS, UN, type Who } from "../support/principals.ts";
import { startTestServer, TEST_ADMIN_TOKEN, TEST_JWT_SECRET, type TestServer } from "../support/server.ts";

// ---------------------------------------------------------------------------------------------
// Principals and outcomes
// ---------------------------------------------------------------------------------------------

type Expected = typeof OK | typeof UN | typeof FB | typeof NF | typeof BI;
type Cells = Partial<Record<Who, Expected>>;

/** One full row of the matrix, in the order of PRINCIPALS. */
function all(
  anonymous: Expected,
  admin: Expected,
  devA: Expected,
  devB: Expected,
  gameA: Expected,
  gameB: Expected,
  playerA1: Expected,
  playerB1: Expected,
): Cells {
  return { anonymous, admin, devA, devB, gameA, gameB, playerA1, playerB1 };
}

/** Any signed-in principal. */
const signedIn = (): Cells => all(UN, OK, OK, OK, OK, OK, OK, OK);

/**
 * Private data of game A or B, named by its game (players, events, a realm's rooms): its owners
 * (admin, its developer, the game) and its players. Others see the game in the directory, so
 * they are told FORBIDDEN.
 */
function privateTo(side: "A" | "B"): Cells {
  const a = side === "A" ? OK : FB;
  const b = side === "B" ? OK : FB;
  return all(UN, OK, a, b, a, b, a, b);
}

/** A private resource of game A or B named by its own id (a room): NOT_FOUND for others. */
function privateResourceOf(side: "A" | "B"): Cells {
  const a = side === "A" ? OK : NF;
  const b = side === "B" ? OK : NF;
  return all(UN, OK, a, b, a, b, a, b);
}

/** Private data of the unregistered game (owned by developer A): still readable by its owners. */
const privateToGone = (): Cells => all(UN, OK, OK, NF, NF, NF, NF, NF);

/** Which game a non-admin principal belongs to. */
const SIDE: Record<Who, "A" | "B" | null> = {
  anonymous: null,
  admin: null,
  devA: "A",
  devB: "B",
  gameA: "A",
  gameB: "B",
  playerA1: "A",
  playerB1: "B",
};

// ---------------------------------------------------------------------------------------------
// The world: seedWorld (developers A and B, game-a and game-b, each with a realm, a lobby and two
// players in it), plus a second room per game, game-c (registered by the admin for a developer
// with no account, so only the admin owns it), game-gone (developer A's, unregistered), and
// seeded events of every routing kind.
// ---------------------------------------------------------------------------------------------

const SEED_EVENTS = [
  "aBroadcast", // game A to everyone
  "aToB", // game A to game B
  "bToA", // game B to game A
  "bToC", // game B to game C: game A must never see it
  "bToDesertRealms", // game B to the games with a desert realm (game C only)
  "cToB", // game C to game B
  "adminBroadcast", // the admin to everyone
  "adminToC", // the admin to game C
  "goneToB", // game-gone (before it was unregistered) to game B
] as const;
type SeedEvent = (typeof SEED_EVENTS)[number];

/** Which seeded events each game's event log holds: what it sent, what it received, broadcasts. */
const EVENTS_OF: Record<"A" | "B" | "C" | "gone", SeedEvent[]> = {
  A: ["aBroadcast", "aToB", "bToA", "adminBroadcast"],
  B: ["aBroadcast", "aToB", "bToA", "bToC", "bToDesertRealms", "cToB", "adminBroadcast", "goneToB"],
  C: ["aBroadcast", "bToC", "bToDesertRealms", "cToB", "adminBroadcast", "adminToC"],
  gone: ["aBroadcast", "adminBroadcast", "goneToB"],
};

interface Matrix extends World {
  hallA: string;
  hallB: string;
  gameC: { id: string; apiKey: string; realmId: string };
  gone: { id: string; apiKey: string; realmId: string; roomId: string; playerId: string; playerToken: string };
  events: Record<SeedEvent, string>;
}

let s: TestServer;
let w: Matrix;

/** The credential of a principal (undefined: none). */
const cred = (who: Who): string | undefined => credentialOf(w, who);

const A1 = () => w.gameA.players[0]!.id;
const A2 = () => w.gameA.players[1]!.id;
const B1 = () => w.gameB.players[0]!.id;

let counter = 0;
/** A name no earlier case used. */
const fresh = (prefix: string): string => `${prefix}-${++counter}`;

async function asAdmin<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return must(await s.gql<T>(query, variables, TEST_ADMIN_TOKEN));
}

/**
 * Publishes as `credential`. Always with an idempotency key: the events table's unique index on
 * (source_game_id, idempotency_key) is NULLS NOT DISTINCT, so a second keyless event from the
 * same source fails (a bug outside this file's scope, reported separately).
 */
async function publish(credential: string, input: Record<string, unknown>): Promise<string> {
  const d = must(
    await s.gql<{ publishEvent: { id: string } }>(
      `mutation($input: PublishEventInput!) { publishEvent(input: $input) { id } }`,
      { input: { idempotencyKey: fresh("seed"), ...input } },
      credential,
    ),
  );
  return d.publishEvent.id;
}

async function seed(): Promise<Matrix> {
  const world = await seedWorld(s);
  const hallA = await createRoom(s, world.gameA.apiKey, world.gameA.realmId, "Hall");
  const hallB = await createRoom(s, world.gameB.apiKey, world.gameB.realmId, "Hall");
  const gameC = await registerGame(s, TEST_ADMIN_TOKEN, "game-c", {
    developerName: "Carol",
    realm: realmInput("Dunes", "desert", "south", "solar"),
  });

  const g = await registerGame(s, world.devA.key, "game-gone");
  const roomId = await createRoom(s, g.apiKey, g.realmId);
  const playerId = await upsertPlayer(s, g.apiKey, "g1");
  must(await movePlayer(s, g.apiKey, playerId, roomId));
  const playerToken = await issuePlayerToken(s, g.apiKey, playerId);
  // Both of its credentials work while it is registered...
  must(await s.gql(`{ players { id } }`, {}, playerToken));

  const events: Record<SeedEvent, string> = {
    aBroadcast: await publish(world.gameA.apiKey, { type: "seed.broadcast" }),
    aToB: await publish(world.gameA.apiKey, { type: "seed.unicast", targetGameId: "game-b" }),
    bToA: await publish(world.gameB.apiKey, { type: "seed.unicast", targetGameId: "game-a" }),
    bToC: await publish(world.gameB.apiKey, { type: "seed.unicast", targetGameId: "game-c" }),
    bToDesertRealms: await publish(world.gameB.apiKey, { type: "seed.realm", targetRealm: { realmType: "desert" } }),
    cToB: await publish(gameC.apiKey, { type: "seed.unicast", targetGameId: "game-b" }),
    adminBroadcast: await publish(TEST_ADMIN_TOKEN, { type: "seed.broadcast" }),
    adminToC: await publish(TEST_ADMIN_TOKEN, { type: "seed.unicast", targetGameId: "game-c" }),
    goneToB: await publish(g.apiKey, { type: "seed.unicast", targetGameId: "game-b" }),
  };

  // ...until its developer unregisters it.
  must(await s.gql(`mutation { unregisterGame(id: "game-gone") { id } }`, {}, world.devA.key));

  return { ...world, hallA, hallB, gameC, gone: { ...g, roomId, playerId, playerToken }, events };
}

beforeAll(async () => {
  s = await startTestServer();
  w = await seed();
  // Both games let their players say things (publishEvent with a player token).
  await s.app.services.prisma.game.updateMany({ data: { playerEventTypes: ["matrix.say"] } });
});
afterAll(() => s?.stop());

// ---------------------------------------------------------------------------------------------
// Reading the data back as the admin: what "nothing changed" compares.
// ---------------------------------------------------------------------------------------------

const GAME_CARD = `query($id: ID!) { game(id: $id) { id status lastHeartbeatAt } }`;

/** Game `id` as the admin sees it, or its error code. */
async function adminGame(id: string): Promise<unknown> {
  const r = await s.gql<{ game: unknown }>(GAME_CARD, { id }, TEST_ADMIN_TOKEN);
  return r.data?.game ?? errorCode(r);
}

async function adminRealms(gameId: string) {
  const d = await asAdmin<{ realms: { id: string; name: string; rooms: { id: string; name: string }[] }[] }>(
    `query($g: ID!) { realms(gameId: $g) { id name rooms { id name } } }`,
    { g: gameId },
  );
  return d.realms;
}

async function adminPlayers(gameId: string) {
  const d = await asAdmin<{ players: Record<string, unknown>[] }>(
    `query($g: ID!) { players(gameId: $g) { id externalId displayName roomId lastSeenAt } }`,
    { g: gameId },
  );
  return d.players;
}

async function adminPlayer(id: string) {
  for (const g of ["game-a", "game-b", "game-gone"]) {
    const p = (await adminPlayers(g)).find((x) => x["id"] === id);
    if (p) return p;
  }
  throw new Error(`no player ${id}`);
}

async function adminRoomVersion(roomId: string): Promise<string> {
  const d = await asAdmin<{ roomOccupants: { version: string } }>(
    `query($r: ID!) { roomOccupants(roomId: $r) { version } }`,
    { r: roomId },
  );
  return d.roomOccupants.version;
}

async function adminUniverse() {
  return (await asAdmin<{ universe: Record<string, unknown> }>(`{ universe { games realms rooms players events } }`))
    .universe;
}

/** A player's room and the versions of the rooms a move could touch. */
async function placement(playerId: string, rooms: string[]) {
  const p = await adminPlayer(playerId);
  return { roomId: p["roomId"], lastSeenAt: p["lastSeenAt"], versions: await Promise.all(rooms.map(adminRoomVersion)) };
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

type Vars = Record<string, unknown>;
type Data = Record<string, unknown>;

interface Row {
  /** The root field under test. */
  op: string;
  /** What it is tried against. */
  target: string;
  doc: string;
  vars: (who: Who) => Vars | Promise<Vars>;
  expect: Cells;
  /** For "ok" cells: the data must be right, not merely error-free. */
  ok?: (data: Data, c: { who: Who; vars: Vars }) => void | Promise<void>;
  /** For denied cells: read as the admin before and after; must not change. */
  unchanged?: (vars: Vars) => Promise<unknown>;
  /** For denied cells: a further check that the call left no trace. */
  afterDenied?: (vars: Vars) => Promise<void>;
}

const ids = (xs: unknown): string[] => (xs as { id: string }[]).map((x) => x.id).sort();
const sorted = (xs: string[]): string[] => [...xs].sort();

// ----- queries -------------------------------------------------------------------------------

const GAMES_SEEN: Record<Who, string[]> = {
  anonymous: [],
  admin: ["game-a", "game-b", "game-c", "game-gone"],
  devA: ["game-a", "game-gone"], // its own only, the unregistered one included
  devB: ["game-b"],
  gameA: ["game-a", "game-b", "game-c"], // the registered directory
  gameB: ["game-a", "game-b", "game-c"],
  playerA1: ["game-a", "game-b", "game-c"],
  playerB1: ["game-a", "game-b", "game-c"],
};

/**
 * The seeded events `who` sees with no `gameId`: its own games' logs (all for the admin). None
 * for a player: they are games' events, and a player sees only those sent to it or its room.
 */
function eventsSeenBy(who: Who): SeedEvent[] {
  switch (who) {
    case "admin":
      return [...SEED_EVENTS];
    case "devA":
      return [...new Set([...EVENTS_OF.A, ...EVENTS_OF.gone])];
    case "gameA":
      return EVENTS_OF.A;
    case "devB":
    case "gameB":
      return EVENTS_OF.B;
    default:
      return [];
  }
}

const EVENTS_DOC = `query($gameId: ID) {
  events(gameId: $gameId, first: 500) { nodes { id sourceGameId recipientGameIds broadcast } }
}`;

interface EventNode {
  id: string;
  sourceGameId: string | null;
  recipientGameIds: string[];
  broadcast: boolean;
}

/** The seeded events among `nodes`, by name. */
function seededIn(nodes: EventNode[]): SeedEvent[] {
  const byId = new Map(SEED_EVENTS.map((n) => [w.events[n], n]));
  return sorted(nodes.map((n) => byId.get(n.id)).filter((n): n is SeedEvent => n !== undefined)) as SeedEvent[];
}

const queryRows: Row[] = [
  {
    op: "games",
    target: "the directory",
    doc: `{ games { id status } }`,
    vars: () => ({}),
    expect: signedIn(),
    ok: (d, { who }) => expect(ids(d["games"])).toEqual(GAMES_SEEN[who]),
  },
  {
    op: "game",
    target: "game B's card",
    doc: `query($id: ID!) { game(id: $id) { id status realms { id } } }`,
    vars: () => ({ id: "game-b" }),
    expect: signedIn(),
    ok: (d) => expect(d["game"]).toEqual({ id: "game-b", status: "ACTIVE", realms: [{ id: w.gameB.realmId }] }),
  },
  {
    op: "game",
    target: "the unregistered game's card",
    doc: `query($id: ID!) { game(id: $id) { id status } }`,
    vars: () => ({ id: "game-gone" }),
    expect: privateToGone(),
    ok: (d) => expect(d["game"]).toEqual({ id: "game-gone", status: "UNREGISTERED" }),
  },
  {
    op: "realms",
    target: "every realm",
    doc: `{ realms { id gameId } }`,
    vars: () => ({}),
    expect: signedIn(),
    ok: (d, { who }) => {
      const realms = d["realms"] as { id: string; gameId: string }[];
      const seenByOwner = who === "admin" || who === "devA";
      expect(sorted([...new Set(realms.map((r) => r.gameId))])).toEqual(
        seenByOwner ? ["game-a", "game-b", "game-c", "game-gone"] : ["game-a", "game-b", "game-c"],
      );
      expect(realms.map((r) => r.id)).toContain(w.gameB.realmId);
    },
  },
  {
    op: "realms",
    target: "game B's realms (directory)",
    doc: `query($g: ID) { realms(gameId: $g) { id gameId name realmType adjacency resonance } }`,
    vars: () => ({ g: "game-b" }),
    expect: signedIn(),
    ok: (d) =>
      expect(d["realms"]).toEqual([
        {
          id: w.gameB.realmId,
          gameId: "game-b",
          name: "Main",
          realmType: "forest",
          adjacency: "north",
          resonance: "arcane",
        },
      ]),
  },
  {
    op: "realms",
    target: "game B's realms with their (private) rooms",
    doc: `query($g: ID) { realms(gameId: $g) { id rooms { id } } }`,
    vars: () => ({ g: "game-b" }),
    expect: privateTo("B"),
    ok: (d) => {
      const [realm, ...rest] = d["realms"] as { id: string; rooms: { id: string }[] }[];
      expect(rest).toEqual([]);
      expect(realm?.id).toBe(w.gameB.realmId);
      expect(ids(realm?.rooms)).toEqual(sorted([w.gameB.roomId, w.hallB]));
    },
  },
  {
    op: "realms",
    target: "the unregistered game's realms",
    doc: `query($g: ID) { realms(gameId: $g) { id } }`,
    vars: () => ({ g: "game-gone" }),
    expect: signedIn(),
    ok: (d, { who }) => expect(ids(d["realms"])).toEqual(who === "admin" || who === "devA" ? [w.gone.realmId] : []),
  },
  ...(["A", "B"] as const).flatMap((side): Row[] => {
    const game = () => (side === "A" ? w.gameA : w.gameB);
    return [
      {
        op: "room",
        target: `game ${side}'s lobby`,
        doc: `query($id: ID!) { room(id: $id) { id realmId realm { gameId } } }`,
        vars: () => ({ id: game().roomId }),
        expect: privateResourceOf(side),
        ok: (d) =>
          expect(d["room"]).toEqual({ id: game().roomId, realmId: game().realmId, realm: { gameId: game().id } }),
      },
      {
        op: "roomOccupants",
        target: `game ${side}'s lobby`,
        doc: `query($id: ID!) { roomOccupants(roomId: $id) { roomId version occupants { id gameId } } }`,
        vars: () => ({ id: game().roomId }),
        expect: privateResourceOf(side),
        ok: (d) => {
          const ro = d["roomOccupants"] as { roomId: string; version: string; occupants: { gameId: string }[] };
          expect(ro.roomId).toBe(game().roomId);
          // Two moves into the room, then two players coming online (their game's heartbeat).
          expect(ro.version).toBe("4");
          expect(ids(ro.occupants)).toEqual(sorted(game().players.map((p) => p.id)));
          expect(new Set(ro.occupants.map((o) => o.gameId))).toEqual(new Set([game().id]));
        },
      },
      {
        op: "players",
        target: `game ${side}'s players`,
        doc: `query($g: ID) { players(gameId: $g) { id gameId } }`,
        vars: () => ({ g: game().id }),
        expect: privateTo(side),
        ok: (d) => {
          expect(ids(d["players"])).toEqual(sorted(game().players.map((p) => p.id)));
          expect(new Set((d["players"] as { gameId: string }[]).map((p) => p.gameId))).toEqual(new Set([game().id]));
        },
      },
      {
        op: "events",
        target: `game ${side}'s events`,
        doc: EVENTS_DOC,
        vars: () => ({ gameId: game().id }),
        expect: privateTo(side),
        // A player sees only what was sent to it or to a room it was in: none of these games' events.
        ok: (d, { who }) =>
          expect(seededIn((d["events"] as { nodes: EventNode[] }).nodes)).toEqual(
            who.startsWith("player") ? [] : sorted(EVENTS_OF[side]),
          ),
      },
    ];
  }),
  {
    op: "room",
    target: "the unregistered game's room",
    doc: `query($id: ID!) { room(id: $id) { id } }`,
    vars: () => ({ id: w.gone.roomId }),
    expect: privateToGone(),
    ok: (d) => expect(d["room"]).toEqual({ id: w.gone.roomId }),
  },
  {
    op: "roomOccupants",
    target: "the unregistered game's room",
    doc: `query($id: ID!) { roomOccupants(roomId: $id) { occupants { id } } }`,
    vars: () => ({ id: w.gone.roomId }),
    expect: privateToGone(),
    // Its player is in the room but offline (nothing vouches for it): no occupants.
    ok: (d) => expect(d["roomOccupants"]).toEqual({ occupants: [] }),
  },
  {
    op: "players",
    target: "the caller's own game (no gameId)",
    doc: `{ players { id gameId } }`,
    vars: () => ({}),
    // Admins and developers must name the game (access.ts `actingGameId`).
    expect: all(UN, BI, BI, BI, OK, OK, OK, OK),
    ok: (d, { who }) => {
      const game = SIDE[who] === "A" ? w.gameA : w.gameB;
      expect(ids(d["players"])).toEqual(sorted(game.players.map((p) => p.id)));
    },
  },
  {
    op: "players",
    target: "the unregistered game's players",
    doc: `query($g: ID) { players(gameId: $g) { id } }`,
    vars: () => ({ g: "game-gone" }),
    expect: privateToGone(),
    ok: (d) => expect(ids(d["players"])).toEqual([w.gone.playerId]),
  },
  {
    op: "events",
    target: "the caller's own event log (no gameId)",
    doc: EVENTS_DOC,
    vars: () => ({ gameId: null }),
    expect: signedIn(),
    ok: (d, { who }) => {
      const nodes = (d["events"] as { nodes: EventNode[] }).nodes;
      expect(seededIn(nodes)).toEqual(sorted(eventsSeenBy(who)));
      const own =
        who === "gameA" || who === "playerA1" ? "game-a" : who === "gameB" || who === "playerB1" ? "game-b" : null;
      // A game or player never sees an event it neither sent nor received, unless a broadcast.
      if (own) {
        for (const e of nodes) {
          expect(e.broadcast || e.sourceGameId === own || e.recipientGameIds.includes(own), JSON.stringify(e)).toBe(
            true,
          );
        }
      }
    },
  },
  {
    op: "events",
    target: "game C's events (owned by the admin only)",
    doc: EVENTS_DOC,
    vars: () => ({ gameId: "game-c" }),
    expect: all(UN, OK, FB, FB, FB, FB, FB, FB),
    ok: (d) => expect(seededIn((d["events"] as { nodes: EventNode[] }).nodes)).toEqual(sorted(EVENTS_OF.C)),
  },
  {
    op: "eventLog",
    target: "where the log ends",
    doc: `{ eventLog { lastSeq prunedSeq } }`,
    vars: () => ({}),
    expect: signedIn(),
    // The seeded events, delivered at once, and nothing pruned.
    ok: (d) => expect(d["eventLog"]).toEqual({ lastSeq: String(SEED_EVENTS.length), prunedSeq: "0" }),
  },
  {
    op: "universe",
    target: "the counts",
    doc: `{ universe { games realms rooms players events } }`,
    vars: () => ({}),
    expect: signedIn(),
    // Registered games a, b and c; the unregistered game is left out of every count.
    ok: (d) =>
      expect(d["universe"]).toEqual({
        games: 3,
        realms: 3,
        rooms: 4,
        players: 4,
        events: String(SEED_EVENTS.length),
      }),
  },
];

// ----- mutations -----------------------------------------------------------------------------

const REGISTER = `mutation($input: RegisterGameInput!) {
  registerGame(input: $input) { apiKey game { id status developerName } }
}`;
const UNREGISTER = `mutation($id: ID!) { unregisterGame(id: $id) { id status } }`;
const CREATE_REALM = `mutation($input: CreateRealmInput!) { createRealm(input: $input) { id gameId name } }`;
const CREATE_ROOM = `mutation($input: CreateRoomInput!) { createRoom(input: $input) { id realmId name } }`;
const UPSERT_PLAYER = `mutation($input: UpsertPlayerInput!) {
  upsertPlayer(input: $input) { id gameId externalId displayName }
}`;
const ISSUE_TOKEN = `mutation($p: ID!) { issuePlayerToken(playerId: $p) { token player { id gameId } } }`;
const MOVE = `mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id gameId roomId } }`;
const PUBLISH = `mutation($input: PublishEventInput!) {
  publishEvent(input: $input) { id seq status sourceGameId targetGameId recipientGameIds broadcast }
}`;
const PUBLISH_MANY = `mutation($inputs: [PublishEventInput!]!) {
  publishEvents(inputs: $inputs) { id seq status sourceGameId targetGameId recipientGameIds broadcast }
}`;
const HEARTBEAT = `mutation($ids: [ID!]! = []) { heartbeat(playerIds: $ids) { id lastHeartbeatAt } }`;
const COMPLETE_TICK = `mutation($n: Int64!) { completeTick(number: $n) }`;

/** The current tick, with games A and B opted into the tick barrier (the server does not tick). */
async function currentTickOfBarrier(): Promise<Vars> {
  for (const id of ["game-a", "game-b"]) {
    await asAdmin(`mutation($id: ID!) { updateGame(id: $id, input: { tickBarrier: true }) { id } }`, { id });
  }
  return {
    n: (await asAdmin<{ eventLog: { currentTick: string } }>(`{ eventLog { currentTick } }`)).eventLog.currentTick,
  };
}

/** The games that reported tick `vars.n`, as the tick barrier recorded them on the bus. */
async function tickDone(vars: Vars): Promise<string[]> {
  return (await s.app.services.bus.marked(MarkedSet.tickDone(BigInt(vars["n"] as string)))).sort();
}
const CREATE_DEVELOPER = `mutation($name: String!) { createDeveloper(input: { name: $name }) { key developer { id name } } }`;
const ROTATE_DEVELOPER_KEY = `mutation($id: ID) { rotateDeveloperKey(id: $id) { key developer { id name } } }`;
/** The keys of the throwaway developers made for rotateDeveloperKey, by id. */
const throwawayDeveloperKeys = new Map<string, string>();

const developerName = (who: Who) => (who === "devB" ? "Developer B" : "Developer A");
/** API keys of the throwaway games made for unregisterGame's allowed callers. */
const throwawayKeys = new Map<string, string>();

/** The room of game B that player B1 is not in now (so each allowed move changes something). */
async function otherRoomOfB(): Promise<string> {
  const p = await adminPlayer(B1());
  return p["roomId"] === w.gameB.roomId ? w.hallB : w.gameB.roomId;
}

const mutationRows: Row[] = [
  {
    op: "registerGame",
    target: "a new game under the caller's own name",
    doc: REGISTER,
    vars: (who) => ({
      input: {
        id: fresh("reg"),
        name: "New game",
        realm: realmInput(),
        ...(who === "admin" ? { developerName: "Developer A" } : {}),
      },
    }),
    expect: all(UN, OK, OK, OK, FB, FB, FB, FB),
    ok: async (d, { who, vars }) => {
      const id = (vars["input"] as { id: string }).id;
      const r = d["registerGame"] as { apiKey: string; game: unknown };
      expect(r.game).toEqual({ id, status: "ACTIVE", developerName: developerName(who) });
      expect(r.apiKey).toMatch(/^mvg_/);
      expect(await adminGame(id)).toMatchObject({ id, status: "ACTIVE" });
    },
    unchanged: (vars) => adminGame((vars["input"] as { id: string }).id),
  },
  {
    op: "registerGame",
    target: "a new game under the other developer's name",
    doc: REGISTER,
    vars: (who) => ({
      input: {
        id: fresh("reg"),
        name: "Impostor",
        realm: realmInput(),
        developerName: who === "devA" ? "Developer B" : "Developer A",
      },
    }),
    expect: { devA: FB, devB: FB },
    unchanged: (vars) => adminGame((vars["input"] as { id: string }).id),
  },
  {
    op: "unregisterGame",
    target: "game B",
    doc: UNREGISTER,
    vars: () => ({ id: "game-b" }),
    // Game B's card is public: developer A may see it but not change it (FORBIDDEN). Games and
    // players cannot unregister anything, their own game included.
    expect: { anonymous: UN, devA: FB, gameA: FB, gameB: FB, playerA1: FB, playerB1: FB },
    unchanged: () => adminGame("game-b"),
  },
  {
    op: "unregisterGame",
    target: "a throwaway game of developer B",
    doc: UNREGISTER,
    vars: async () => {
      const g = await registerGame(s, w.devB.key, fresh("tmp"));
      throwawayKeys.set(g.id, g.apiKey);
      return { id: g.id };
    },
    expect: { admin: OK, devB: OK, devA: FB },
    ok: async (d, { vars }) => {
      const id = vars["id"] as string;
      expect(d["unregisterGame"]).toEqual({ id, status: "UNREGISTERED" });
      // Its key stops working at once, and the game leaves the public directory.
      const old = await s.gql(`{ universe { games } }`, {}, throwawayKeys.get(id));
      expect([old.status, errorCode(old)]).toEqual([401, UN]);
      expect(errorCode(await s.gql(GAME_CARD, { id }, w.gameA.apiKey))).toBe(NF);
      expect(await adminGame(id)).toMatchObject({ id, status: "UNREGISTERED" });
    },
    unchanged: (vars) => adminGame(vars["id"] as string),
  },
  {
    op: "setGameStatus",
    target: "a throwaway game of developer B",
    doc: `mutation($id: ID!) { setGameStatus(id: $id, status: PAUSED) { id status } }`,
    vars: async () => ({ id: (await registerGame(s, w.devB.key, fresh("tmp"))).id }),
    // Owners only; games and players cannot pause anything, their own game included.
    expect: all(UN, OK, FB, OK, FB, FB, FB, FB),
    ok: async (d, { vars }) => {
      const id = vars["id"] as string;
      expect(d["setGameStatus"]).toEqual({ id, status: "PAUSED" });
      expect(await adminGame(id)).toMatchObject({ id, status: "PAUSED" });
    },
    unchanged: (vars) => adminGame(vars["id"] as string),
  },
  {
    op: "updateGame",
    target: "a throwaway game of developer B",
    doc: `mutation($id: ID!) { updateGame(id: $id, input: { name: "Renamed" }) { id name } }`,
    vars: async () => ({ id: (await registerGame(s, w.devB.key, fresh("tmp"))).id }),
    // Its owners (the game itself too, in test/api/game-lifecycle.test.ts); nobody else.
    expect: all(UN, OK, FB, OK, FB, FB, FB, FB),
    ok: async (d, { vars }) => {
      expect(d["updateGame"]).toEqual({ id: vars["id"], name: "Renamed" });
    },
    unchanged: (vars) => adminGame(vars["id"] as string),
  },
  {
    op: "setGameQuotas",
    target: "a throwaway game of developer B",
    doc: `mutation($id: ID!) { setGameQuotas(id: $id, quotas: { rooms: 1 }) { id quotas { rooms } } }`,
    vars: async () => ({ id: (await registerGame(s, w.devB.key, fresh("tmp"))).id }),
    // The admin's alone: not even the game's developer or the game itself may raise its quotas.
    expect: all(UN, OK, FB, FB, FB, FB, FB, FB),
    ok: async (d, { vars }) => {
      expect(d["setGameQuotas"]).toEqual({ id: vars["id"], quotas: { rooms: 1 } });
    },
    unchanged: async (vars) => {
      const r = await s.gql<{ game: { quotas: unknown } }>(
        `query($id: ID!) { game(id: $id) { quotas { rooms } } }`,
        { id: vars["id"] },
        TEST_ADMIN_TOKEN,
      );
      return r.data?.game.quotas;
    },
  },
  {
    op: "rotateGameKey",
    target: "a throwaway game of developer B",
    doc: `mutation($id: ID!) { rotateGameKey(id: $id) { apiKey game { id } } }`,
    vars: async () => {
      const g = await registerGame(s, w.devB.key, fresh("tmp"));
      throwawayKeys.set(g.id, g.apiKey);
      return { id: g.id };
    },
    expect: all(UN, OK, FB, OK, FB, FB, FB, FB),
    ok: async (d, { vars }) => {
      const id = vars["id"] as string;
      const rotated = d["rotateGameKey"] as { apiKey: string; game: { id: string } };
      expect(rotated.game.id).toBe(id);
      // The new key works at once and the old one stops.
      const fresh = await s.gql<{ game: { id: string } }>(GAME_CARD, { id }, rotated.apiKey);
      expect(fresh.data?.game.id).toBe(id);
      const old = await s.gql(`{ universe { games } }`, {}, throwawayKeys.get(id));
      expect([old.status, errorCode(old)]).toEqual([401, UN]);
    },
    unchanged: (vars) => adminGame(vars["id"] as string),
  },
  {
    op: "unregisterGame",
    target: "the unregistered game (read-only)",
    doc: UNREGISTER,
    vars: () => ({ id: "game-gone" }),
    expect: { admin: FB, devA: FB, devB: NF, gameA: FB },
    unchanged: () => adminGame("game-gone"),
  },
  {
    op: "createRealm",
    target: "game B",
    doc: CREATE_REALM,
    vars: () => ({ input: { gameId: "game-b", ...realmInput(fresh("Realm")) } }),
    // Game B (and its realms) are public: A's developer and A's game may see, not change it
    // (FORBIDDEN, as for createRoom and upsertPlayer below).
    expect: all(UN, OK, FB, OK, FB, OK, FB, FB),
    ok: async (d, { vars }) => {
      const name = (vars["input"] as { name: string }).name;
      expect(d["createRealm"]).toMatchObject({ gameId: "game-b", name });
      expect((await adminRealms("game-b")).map((r) => r.name)).toContain(name);
    },
    unchanged: () => adminRealms("game-b"),
  },
  {
    op: "createRealm",
    target: "the caller's own game (no gameId)",
    doc: CREATE_REALM,
    vars: () => ({ input: realmInput(fresh("Realm")) }),
    // Admins and developers must name the game (access.ts `actingGameId`).
    expect: all(UN, BI, BI, BI, OK, OK, FB, FB),
    ok: (d, { who }) => expect(d["createRealm"]).toMatchObject({ gameId: SIDE[who] === "A" ? "game-a" : "game-b" }),
    unchanged: async () => [await adminRealms("game-a"), await adminRealms("game-b")],
  },
  {
    op: "createRealm",
    target: "the unregistered game (read-only)",
    doc: CREATE_REALM,
    vars: () => ({ input: { gameId: "game-gone", ...realmInput(fresh("Realm")) } }),
    expect: { admin: FB, devA: FB, devB: NF, gameA: NF },
    unchanged: () => adminRealms("game-gone"),
  },
  {
    op: "createRoom",
    target: "game B's realm",
    doc: CREATE_ROOM,
    vars: () => ({ input: { realmId: w.gameB.realmId, name: fresh("Room") } }),
    // The realm is public (directory): A's developer and game may see it, not change it.
    expect: all(UN, OK, FB, OK, FB, OK, FB, FB),
    ok: async (d, { vars }) => {
      const name = (vars["input"] as { name: string }).name;
      const room = d["createRoom"] as { id: string };
      expect(room).toMatchObject({ realmId: w.gameB.realmId, name });
      expect(ids((await adminRealms("game-b"))[0]?.rooms)).toContain(room.id);
    },
    unchanged: () => adminRealms("game-b"),
  },
  {
    op: "createRoom",
    target: "the unregistered game's realm (read-only)",
    doc: CREATE_ROOM,
    vars: () => ({ input: { realmId: w.gone.realmId, name: fresh("Room") } }),
    expect: { admin: FB, devA: FB, devB: NF, gameA: NF },
    unchanged: () => adminRealms("game-gone"),
  },
  {
    op: "upsertPlayer",
    target: "a new player of game B",
    doc: UPSERT_PLAYER,
    vars: () => ({ input: { gameId: "game-b", externalId: fresh("ext"), displayName: "Newcomer" } }),
    // Naming game B (public) to add a player to it: A's side may see game B, not change it.
    expect: all(UN, OK, FB, OK, FB, OK, FB, FB),
    ok: async (d, { vars }) => {
      const externalId = (vars["input"] as { externalId: string }).externalId;
      const p = d["upsertPlayer"] as { id: string };
      expect(p).toMatchObject({ gameId: "game-b", externalId, displayName: "Newcomer" });
      expect((await adminPlayers("game-b")).map((x) => x["id"])).toContain(p.id);
    },
    unchanged: () => adminPlayers("game-b"),
  },
  {
    op: "upsertPlayer",
    target: "renaming game B's player p1",
    doc: UPSERT_PLAYER,
    vars: () => ({ input: { gameId: "game-b", externalId: "p1", displayName: "Hijacked" } }),
    expect: { devA: FB, gameA: FB, playerA1: FB, playerB1: FB },
    unchanged: () => adminPlayers("game-b"),
  },
  {
    op: "upsertPlayer",
    target: "the unregistered game (read-only)",
    doc: UPSERT_PLAYER,
    vars: () => ({ input: { gameId: "game-gone", externalId: fresh("ext"), displayName: "Late" } }),
    expect: { admin: FB, devA: FB, devB: NF, gameB: NF },
    unchanged: () => adminPlayers("game-gone"),
  },
  {
    op: "issuePlayerToken",
    target: "player B1",
    doc: ISSUE_TOKEN,
    vars: () => ({ p: B1() }),
    // Players are private: A's side is told B1 does not exist. Players cannot issue tokens.
    expect: all(UN, OK, NF, OK, NF, OK, FB, FB),
    ok: async (d) => {
      const t = d["issuePlayerToken"] as { token: string; player: unknown };
      expect(t.player).toEqual({ id: B1(), gameId: "game-b" });
      // The token signs in as B1: it reads game B's players, and not game A's.
      const mine = must(await s.gql<{ players: { id: string }[] }>(`{ players { id } }`, {}, t.token));
      expect(mine.players.map((p) => p.id)).toContain(B1());
      expect(errorCode(await s.gql(`{ players(gameId: "game-a") { id } }`, {}, t.token))).toBe(FB);
    },
  },
  {
    op: "issuePlayerToken",
    target: "the unregistered game's player (read-only)",
    doc: ISSUE_TOKEN,
    vars: () => ({ p: w.gone.playerId }),
    expect: { admin: FB, devA: FB, devB: NF, gameA: NF },
  },
  {
    op: "movePlayer",
    target: "player B1 into the other room of game B",
    doc: MOVE,
    vars: async () => ({ p: B1(), r: await otherRoomOfB() }),
    expect: all(UN, OK, NF, OK, NF, OK, NF, OK),
    ok: async (d, { vars }) => {
      expect(d["movePlayer"]).toEqual({ id: B1(), gameId: "game-b", roomId: vars["r"] });
      expect((await adminPlayer(B1()))["roomId"]).toBe(vars["r"]);
    },
    unchanged: () => placement(B1(), [w.gameB.roomId, w.hallB]),
  },
  {
    op: "movePlayer",
    target: "player A2, by another player of its game",
    doc: MOVE,
    vars: () => ({ p: A2(), r: w.hallA }),
    expect: { playerA1: FB, playerB1: NF },
    unchanged: () => placement(A2(), [w.gameA.roomId, w.hallA]),
  },
  {
    op: "movePlayer",
    target: "player A1 into game B's room",
    doc: MOVE,
    vars: () => ({ p: A1(), r: w.gameB.roomId }),
    expect: { devA: NF, gameA: NF, playerA1: NF },
    unchanged: () => placement(A1(), [w.gameA.roomId, w.hallA, w.gameB.roomId]),
  },
  {
    op: "movePlayer",
    target: "player B1 into game A's room",
    doc: MOVE,
    vars: () => ({ p: B1(), r: w.gameA.roomId }),
    expect: { devB: NF, gameB: NF, playerB1: NF },
    unchanged: () => placement(B1(), [w.gameB.roomId, w.hallB, w.gameA.roomId]),
  },
  {
    op: "movePlayer",
    target: "player A1 itself, within game A",
    doc: MOVE,
    vars: () => ({ p: A1(), r: w.hallA }),
    expect: { playerA1: OK },
    ok: async (d) => {
      expect(d["movePlayer"]).toEqual({ id: A1(), gameId: "game-a", roomId: w.hallA });
      expect((await adminPlayer(A1()))["roomId"]).toBe(w.hallA);
    },
  },
  {
    op: "movePlayer",
    target: "player A1 out of every room",
    doc: MOVE,
    vars: () => ({ p: A1(), r: null }),
    expect: { gameB: NF, playerB1: NF, playerA1: OK },
    ok: async (d) => {
      expect(d["movePlayer"]).toEqual({ id: A1(), gameId: "game-a", roomId: null });
      expect((await adminPlayer(A1()))["roomId"]).toBeNull();
    },
    unchanged: () => placement(A1(), [w.gameA.roomId, w.hallA]),
  },
  {
    op: "movePlayer",
    target: "the unregistered game's player (read-only)",
    doc: MOVE,
    vars: () => ({ p: w.gone.playerId, r: null }),
    expect: { admin: FB, devA: FB, devB: NF, gameA: NF },
    unchanged: () => placement(w.gone.playerId, [w.gone.roomId]),
  },
  {
    op: "publishEvent",
    target: "an event to game B",
    doc: PUBLISH,
    vars: () => ({ input: { type: "matrix.ping", targetGameId: "game-b", idempotencyKey: fresh("key") } }),
    expect: all(UN, OK, FB, FB, OK, OK, FB, FB),
    ok: async (d, { who }) => {
      const e = d["publishEvent"] as EventNode & { seq: string };
      expect(e).toMatchObject({
        status: "DELIVERED",
        sourceGameId: who === "admin" ? null : SIDE[who] === "A" ? "game-a" : "game-b",
        targetGameId: "game-b",
        recipientGameIds: ["game-b"],
        broadcast: false,
      });
      // Game B reads it; game C (neither source nor target) does not.
      const seen = (cred: string | undefined, gameId: string | null) =>
        s.gql<{ events: { nodes: { id: string }[] } }>(EVENTS_DOC, { gameId }, cred);
      expect(must(await seen(w.gameB.apiKey, null)).events.nodes.map((n) => n.id)).toContain(e.id);
      expect(must(await seen(TEST_ADMIN_TOKEN, "game-c")).events.nodes.map((n) => n.id)).not.toContain(e.id);
    },
    unchanged: adminUniverse,
  },
  {
    op: "publishEvent",
    target: "an event to the unregistered game",
    doc: PUBLISH,
    vars: () => ({ input: { type: "matrix.ping", targetGameId: "game-gone" } }),
    expect: { gameA: NF, gameB: NF },
    unchanged: adminUniverse,
  },
  {
    op: "publishEvent",
    target: "an event to game A's lobby (player A1 is in it)",
    doc: PUBLISH,
    vars: async () => {
      // Earlier cells move player A1 about: it is in the lobby again first.
      must(await movePlayer(s, w.gameA.apiKey, w.gameA.players[0]!.id, w.gameA.roomId));
      return { input: { type: "matrix.say", targetRoomId: w.gameA.roomId, idempotencyKey: fresh("key") } };
    },
    // Player B1 may publish only to its own current room: FORBIDDEN for any other, so whether
    // game A's room exists is not disclosed.
    expect: all(UN, OK, FB, FB, OK, NF, OK, FB),
    ok: async (d, { who }) => {
      const e = d["publishEvent"] as EventNode & { seq: string };
      expect(e).toMatchObject({
        status: "DELIVERED",
        sourceGameId: who === "admin" ? null : "game-a",
        recipientGameIds: ["game-a"],
        broadcast: false,
      });
    },
    unchanged: adminUniverse,
  },
  {
    op: "publishEvent",
    target: "an event to player A1",
    doc: PUBLISH,
    vars: () => ({
      input: { type: "matrix.say", targetPlayerId: w.gameA.players[0]!.id, idempotencyKey: fresh("key") },
    }),
    expect: all(UN, OK, FB, FB, OK, NF, OK, NF),
    ok: async (d) => {
      const e = d["publishEvent"] as EventNode & { seq: string };
      expect(e).toMatchObject({ status: "DELIVERED", recipientGameIds: ["game-a"], broadcast: false });
    },
    unchanged: adminUniverse,
  },
  {
    op: "publishEvents",
    target: "two events to game B",
    doc: PUBLISH_MANY,
    vars: () => ({
      inputs: [
        { type: "matrix.many", targetGameId: "game-b", idempotencyKey: fresh("key") },
        { type: "matrix.many", targetGameId: "game-b" },
      ],
    }),
    expect: all(UN, OK, FB, FB, OK, OK, FB, FB),
    ok: async (d, { who }) => {
      const [e1, e2] = d["publishEvents"] as (EventNode & { seq: string })[];
      for (const e of [e1!, e2!]) {
        expect(e).toMatchObject({
          status: "DELIVERED",
          sourceGameId: who === "admin" ? null : SIDE[who] === "A" ? "game-a" : "game-b",
          recipientGameIds: ["game-b"],
        });
      }
      expect(BigInt(e2!.seq)).toBe(BigInt(e1!.seq) + 1n);
    },
    unchanged: adminUniverse,
  },
  {
    op: "publishEvents",
    target: "events, one to the unregistered game",
    doc: PUBLISH_MANY,
    vars: () => ({ inputs: [{ type: "matrix.many" }, { type: "matrix.many", targetGameId: "game-gone" }] }),
    expect: { gameA: NF, gameB: NF },
    unchanged: adminUniverse,
  },
  {
    op: "heartbeat",
    target: "the caller's own game",
    doc: HEARTBEAT,
    vars: () => ({}),
    expect: all(UN, FB, FB, FB, OK, OK, FB, FB),
    ok: async (d, { who }) => {
      const id = SIDE[who] === "A" ? "game-a" : "game-b";
      const h = d["heartbeat"] as { id: string; lastHeartbeatAt: string };
      expect(h.id).toBe(id);
      expect(Date.now() - Date.parse(h.lastHeartbeatAt)).toBeLessThan(60_000);
      expect(await adminGame(id)).toMatchObject({ lastHeartbeatAt: h.lastHeartbeatAt });
    },
    unchanged: async () => [await adminGame("game-a"), await adminGame("game-b")],
  },
  {
    op: "heartbeat",
    target: "for its own player A1",
    doc: HEARTBEAT,
    vars: () => ({ ids: [A1()] }),
    expect: { gameA: OK },
    ok: async (d) => {
      const h = d["heartbeat"] as { lastHeartbeatAt: string };
      expect((await adminPlayer(A1()))["lastSeenAt"]).toBe(h.lastHeartbeatAt);
    },
  },
  {
    op: "heartbeat",
    target: "for game B's player B1",
    doc: HEARTBEAT,
    vars: () => ({ ids: [B1()] }),
    expect: { gameA: NF },
    unchanged: async () => [await adminGame("game-a"), (await adminPlayer(B1()))["lastSeenAt"]],
  },
  {
    op: "completeTick",
    target: "the current tick, by the caller's own game",
    doc: COMPLETE_TICK,
    vars: currentTickOfBarrier,
    // A game reports its own ticks (it names no game): nobody else has ticks to report.
    expect: all(UN, FB, FB, FB, OK, OK, FB, FB),
    ok: async (d, { who, vars }) => {
      expect(d["completeTick"]).toBe(true);
      expect(await tickDone(vars)).toContain(SIDE[who] === "A" ? "game-a" : "game-b");
    },
    unchanged: tickDone,
  },
  {
    op: "createDeveloper",
    target: "a new developer",
    doc: CREATE_DEVELOPER,
    vars: () => ({ name: fresh("Developer") }),
    expect: all(UN, OK, FB, FB, FB, FB, FB, FB),
    ok: async (d, { vars }) => {
      const c = d["createDeveloper"] as { key: string; developer: { name: string } };
      expect(c.developer.name).toBe(vars["name"]);
      expect(c.key).toMatch(/^mvd_/);
      // The key signs in as that developer, who owns no games yet.
      expect(must(await s.gql<{ games: unknown[] }>(`{ games { id } }`, {}, c.key)).games).toEqual([]);
    },
    // The refused call created nothing: the name is still free.
    afterDenied: async (vars) => {
      const again = await asAdmin<{ createDeveloper: { developer: { name: string } } }>(CREATE_DEVELOPER, vars);
      expect(again.createDeveloper.developer.name).toBe(vars["name"]);
    },
  },
  {
    op: "rotateDeveloperKey",
    target: "a throwaway developer, by id",
    doc: ROTATE_DEVELOPER_KEY,
    vars: async () => {
      const d = await asAdmin<{ createDeveloper: { key: string; developer: { id: string } } }>(CREATE_DEVELOPER, {
        name: fresh("Rotated"),
      });
      throwawayDeveloperKeys.set(d.createDeveloper.developer.id, d.createDeveloper.key);
      return { id: d.createDeveloper.developer.id };
    },
    // The admin, and nobody else: another developer's key is not disclosed.
    expect: all(UN, OK, NF, NF, FB, FB, FB, FB),
    ok: async (d, { vars }) => {
      const rotated = d["rotateDeveloperKey"] as { key: string; developer: { id: string } };
      expect(rotated.developer.id).toBe(vars["id"]);
      await expectKeyReplaced(throwawayDeveloperKeys.get(vars["id"] as string)!, rotated.key);
    },
    // Refused: the old key still works.
    unchanged: async (vars) =>
      (await s.gql(`{ games { id } }`, {}, throwawayDeveloperKeys.get(vars["id"] as string))).status,
  },
  {
    op: "rotateDeveloperKey",
    target: "the caller's own key (no id)",
    doc: ROTATE_DEVELOPER_KEY,
    vars: () => ({}),
    // The admin has no developer key of its own: it must name one.
    expect: { admin: BI, devA: OK, devB: OK },
    ok: async (d, { who }) => {
      const rotated = d["rotateDeveloperKey"] as { key: string; developer: { name: string } };
      expect(rotated.developer.name).toBe(developerName(who));
      const dev = who === "devB" ? w.devB : w.devA;
      await expectKeyReplaced(dev.key, rotated.key);
      dev.key = rotated.key; // the rest of the matrix signs in with the new key
    },
  },
];

/** The new developer key signs in at once (its games still its own); the old one is refused. */
async function expectKeyReplaced(old: string, key: string): Promise<void> {
  expect(key).toMatch(/^mvd_/);
  expect((await s.gql(`{ games { id } }`, {}, key)).errors).toBeUndefined();
  const refused = await s.gql(`{ games { id } }`, {}, old);
  expect([refused.status, errorCode(refused)]).toEqual([401, UN]);
}

// ---------------------------------------------------------------------------------------------
// Running the matrix
// ---------------------------------------------------------------------------------------------

async function runCase(r: Row, who: Who, expected: Expected): Promise<void> {
  const vars = await r.vars(who);
  const before = expected !== OK && r.unchanged ? await r.unchanged(vars) : undefined;
  const res: GqlResult = await s.gql(r.doc, vars, cred(who));
  if (expected === OK) {
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.status).toBe(200);
    if (!r.ok) throw new Error(`row ${r.op} (${r.target}) has an "ok" cell but no ok check`);
    await r.ok(res.data ?? {}, { who, vars });
    return;
  }
  expect(res.errors?.length, `expected ${expected}, got ${JSON.stringify(res.data)}`).toBeGreaterThan(0);
  expect(new Set(res.errors?.map((e) => e.extensions?.["code"]))).toEqual(new Set([expected]));
  expect(res.data?.[r.op] ?? null).toBeNull();
  if (expected === UN) expect(res.status).toBe(401);
  if (r.unchanged) expect(await r.unchanged(vars)).toEqual(before);
  if (r.afterDenied) await r.afterDenied(vars);
}

function cases(rows: Row[]) {
  for (const r of rows) {
    describe(`${r.op}: ${r.target}`, () => {
      for (const who of PRINCIPALS) {
        const expected = r.expect[who];
        if (expected === undefined) continue;
        it(`${who} -> ${expected}`, () => runCase(r, who, expected));
      }
    });
  }
}

// Queries first: they compare against the seeded world exactly, before the mutations add to it.
describe("queries", () => cases(queryRows));
describe("mutations", () => cases(mutationRows));

// Subscriptions have their own matrix, over WebSocket, and their own coverage check:
// test/realtime/subscription-authorization.test.ts.
describe("the matrix covers the API", () => {
  it("tries every query and mutation with every principal", async () => {
    const d = await asAdmin<{ __schema: Record<string, { fields: { name: string }[] }> }>(
      `{ __schema { queryType { fields { name } } mutationType { fields { name } } } }`,
    );
    const operations = [...d.__schema["queryType"]!.fields, ...d.__schema["mutationType"]!.fields].map((f) => f.name);
    const rows = [...queryRows, ...mutationRows];
    const missing = operations.flatMap((op) => {
      const tried = new Set(rows.filter((r) => r.op === op).flatMap((r) => Object.keys(r.expect)));
      return PRINCIPALS.filter((p) => !tried.has(p)).map((p) => `${op}/${p}`);
    });
    expect(missing).toEqual([]);
    expect(rows.filter((r) => !operations.includes(r.op)).map((r) => r.op)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Credentials that match nothing: 401 and UNAUTHENTICATED, before any operation runs.
// ---------------------------------------------------------------------------------------------

/** A validly signed player token with chosen claims and issue time. */
const signed = (playerId: string, gameId: string, issuedAt = new Date()) =>
  new PlayerTokens(TEST_JWT_SECRET, 60).issue({ playerId, gameId }, issuedAt).then((t) => t.token);

const BAD_CREDENTIALS: [string, () => string | Promise<string>][] = [
  ["an unknown game key", () => "Bearer mvg_nope"],
  ["an unknown developer key", () => "Bearer mvd_nope"],
  ["a wrong admin token", () => `Bearer ${TEST_ADMIN_TOKEN}x`],
  ["a garbage JWT", () => "Bearer aaa.bbb.ccc"],
  [
    "a player token with another token's signature",
    () => {
      const [h, p] = w.gameA.players[0]!.token.split(".");
      const sig = w.gameB.players[0]!.token.split(".")[2];
      return `Bearer ${h}.${p}.${sig}`;
    },
  ],
  ["a player token signed with another secret", async () => `Bearer ${await forged()}`],
  ["an expired player token", async () => `Bearer ${await signed(A1(), "game-a", new Date(Date.now() - 3_600_000))}`],
  ["a player token naming the wrong game", async () => `Bearer ${await signed(A1(), "game-b")}`],
  ["a Basic header", () => "Basic abc"],
  ["a bare Bearer", () => "Bearer"],
  ["two credentials", () => `Bearer ${TEST_ADMIN_TOKEN} ${TEST_ADMIN_TOKEN}`],
  ["the old key of an unregistered game", () => `Bearer ${w.gone.apiKey}`],
  ["a player token of an unregistered game", () => `Bearer ${w.gone.playerToken}`],
];

async function forged(): Promise<string> {
  const other = new PlayerTokens("another-secret-0123456789-0123456789-01", 60);
  return (await other.issue({ playerId: A1(), gameId: "game-a" })).token;
}

/** POSTs with a raw Authorization header value. */
async function post(authorization: string, query: string, variables: Vars = {}): Promise<GqlResult> {
  const res = await fetch(`${s.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, ...((await res.json()) as Omit<GqlResult, "status" | "headers">) };
}

describe("credentials that match nothing", () => {
  it("the unregistered game is unregistered now (seed() used its key and player token before)", async () => {
    expect(await adminGame("game-gone")).toMatchObject({ status: "UNREGISTERED" });
  });

  for (const [label, header] of BAD_CREDENTIALS) {
    it(`${label}: a query answers 401 UNAUTHENTICATED`, async () => {
      const r = await post(await header(), `{ universe { games } }`);
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe(UN);
      expect(r.data ?? null).toBeNull();
    });

    it(`${label}: a mutation answers 401 UNAUTHENTICATED and changes nothing`, async () => {
      const before = [await adminUniverse(), await adminGame("game-a"), await adminGame("game-gone")];
      for (const [query, variables] of [
        [PUBLISH, { input: { type: "bad.credential" } }],
        [HEARTBEAT, {}],
        [MOVE, { p: A2(), r: null }],
      ] as const) {
        const r = await post(await header(), query, variables);
        expect(r.status).toBe(401);
        expect(errorCode(r)).toBe(UN);
        expect(r.data ?? null).toBeNull();
      }
      expect([await adminUniverse(), await adminGame("game-a"), await adminGame("game-gone")]).toEqual(before);
      expect((await adminPlayer(A2()))["roomId"]).not.toBeNull();
    });
  }

  it("a valid credential in the same shape still works (the cases above fail for the credential alone)", async () => {
    const r = await post(`Bearer ${w.gameA.apiKey}`, `{ universe { games } }`);
    expect([r.status, r.errors]).toEqual([200, undefined]);
    const t = await post(`bearer ${await signed(A1(), "game-a")}`, `{ players { id } }`);
    expect(t.errors).toBeUndefined();
  });
});
