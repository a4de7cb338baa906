// The subscription authorization matrix: every subscription, tried over WebSocket by every
// principal, against its own game's targets and another game's. Each cell asserts the
// documented answer exactly (docs/auth.md "Subscriptions", docs/realtime.md "Subscriptions" and
// "How errors arrive"):
// - anonymous: there is no anonymous WebSocket; the connection is closed at connect with 4403;
// - refused: one `next` message whose payload has `errors` (and no `data`) with the documented
//   code, then `complete`; the connection carries on;
// - allowed: the exact stream that principal may see: which events arrive (live and replayed),
//   which ticks, the room's snapshot, its own game's presence changes and no other game's, the
//   games it watches.
// A row per subscription × target, a cell per principal; the last test fails when a
// subscription of the schema has no row or a principal has no cell in it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TickLeader } from "../../server/src/platform/realtime/tick-leader.ts";
import {
  issuePlayerToken,
  must,
  realmInput,
  registerGame,
  seedWorld,
  upsertPlayer,
  type World,
} from "../support/fixtures.ts";
import { BI, credentialOf, FB, NF, OK, PRINCIPALS, type Who } from "../support/principals.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { testTickLeader } from "../support/ticks.ts";
import { connectWs, subscribe, wsClients, type TestSubscription, type TestWsClient } from "../support/ws.ts";
import { waitUntil, within } from "../support/wait.ts";

// ---------------------------------------------------------------------------------------------
// Principals and cells
// ---------------------------------------------------------------------------------------------

type Signed = Exclude<Who, "anonymous">;

/** Closed at connect with 4403: the only answer an anonymous WebSocket gets. */
const NO_WS = "4403";
type Code = typeof FB | typeof NF | typeof BI;
type Cell = typeof OK | Code | typeof NO_WS;

/** One full row, in the order of PRINCIPALS (anonymous is always NO_WS). */
function cells(
  admin: Cell,
  devA: Cell,
  devB: Cell,
  gameA: Cell,
  gameB: Cell,
  playerA1: Cell,
  playerB1: Cell,
): Record<Who, Cell> {
  return { anonymous: NO_WS, admin, devA, devB, gameA, gameB, playerA1, playerB1 };
}

/** Game A's or B's private data: its owners (admin, its developer, the game) and its players. */
function privateTo(side: "A" | "B", outsider: Code): Record<Who, Cell> {
  const a = side === "A" ? OK : outsider;
  const b = side === "B" ? OK : outsider;
  return cells(OK, a, b, a, b, a, b);
}

/** The same answer for every signed-in principal. */
const everyone = (c: Cell): Record<Who, Cell> => cells(c, c, c, c, c, c, c);

const GAME_A = "game-a";
const GAME_B = "game-b";
const GAME_C = "game-c";
const UNKNOWN_GAME = "no-such-game";

/** The game a non-admin principal belongs to. */
const OWN: Record<Exclude<Signed, "admin">, string> = {
  devA: GAME_A,
  devB: GAME_B,
  gameA: GAME_A,
  gameB: GAME_B,
  playerA1: GAME_A,
  playerB1: GAME_B,
};
const isGameBound = (who: Signed): who is "gameA" | "gameB" | "playerA1" | "playerB1" =>
  who.startsWith("game") || who.startsWith("player");
const other = (game: string) => (game === GAME_A ? GAME_B : GAME_A);

const SIGN_IN = "Sign in: send connectionParams { authorization: 'Bearer …' }";

// ---------------------------------------------------------------------------------------------
// The world: seedWorld (developers A and B, game-a and game-b, each with a lobby holding two
// online players), game-c (the admin's, for events that concern neither A nor B), and game A
// ticking every 2nd control tick, game B every 3rd, so each tick number says whose tick it is.
// ---------------------------------------------------------------------------------------------

let s: TestServer;
let w: World;
let gameC: { id: string; apiKey: string };
let leader: TickLeader;
/** The log's last seq once the world was seeded: replays start there. */
let seeded: bigint;
const pool = wsClients(() => s.url);
/** One connection per signed-in principal, shared by every cell. */
const conns = {} as Record<Signed, TestWsClient>;

const credential = (who: Signed): string => credentialOf(w, who)!;

const keyOf = (game: string) =>
  game === GAME_A
    ? w.gameA.apiKey
    : game === GAME_B
      ? w.gameB.apiKey
      : game === GAME_C
        ? gameC.apiKey
        : TEST_ADMIN_TOKEN;

let counter = 0;
const fresh = (prefix: string): string => `${prefix}-${++counter}`;

beforeAll(async () => {
  s = await startTestServer({ MAX_SUBSCRIPTIONS_PER_CONNECTION: "200" });
  w = await seedWorld(s);
  gameC = await registerGame(s, TEST_ADMIN_TOKEN, GAME_C, {
    developerName: "Carol",
    realm: realmInput("Dunes", "desert", "south", "solar"),
  });
  const { prisma } = s.app.services;
  await prisma.game.update({ where: { id: GAME_A }, data: { tickEvery: 2 } });
  await prisma.game.update({ where: { id: GAME_B }, data: { tickEvery: 3 } });
  // The test drives the control tick itself (TICK_HZ=0: no node leads), one tick at a time.
  leader = testTickLeader(s, "matrix");
  // Events from before any cell, for the replays.
  await publishSet();
  seeded = log.reduce((max, e) => (e.seq > max ? e.seq : max), 0n);
  for (const who of PRINCIPALS) if (who !== "anonymous") conns[who] = await pool.connect(credential(who));
  await createVisitors();
  for (const game of [GAME_A, GAME_B]) {
    presenceMonitor[game] = subscribe<PresenceMsg>(await pool.connect(TEST_ADMIN_TOKEN), PRESENCE, { gameId: game });
  }
});
afterAll(async () => {
  await pool.disposeAll();
  await s?.stop();
});

// ---------------------------------------------------------------------------------------------
// Events: every event this file publishes is in `log`, so what a principal may see in any window
// of seqs is computed from the documented rule, independently of the server.
// ---------------------------------------------------------------------------------------------

interface Logged {
  seq: bigint;
  type: string;
  source: string | null;
  /** The game it is addressed to (a room's or a player's game too); null for a broadcast. */
  target: string | null;
  /** The players who may see it: a room's players, or the player it was sent to. */
  audience: string[];
}
const log: Logged[] = [];

const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq sourceGameId targetGameId } }`;

/** Where an event goes: a game, everyone (null), a game's lobby (its two players), or one player of a game. */
type Target = string | null | { room: string } | { player: string; index: number };

/** The seeded game `game`'s lobby and players (game A's or B's). */
const seededGame = (game: string) => (game === GAME_A ? w.gameA : w.gameB);

/** Publishes as `from` (a game id, or "admin"), to `to`. */
async function publish(from: string, label: string, to: Target): Promise<Logged> {
  const type = `matrix.${label}.${++counter}`;
  let target: Record<string, string> = {};
  let game: string | null = null;
  let audience: string[] = [];
  if (typeof to === "string") [target, game] = [{ targetGameId: to }, to];
  else if (to && "room" in to) {
    const g = seededGame(to.room);
    [target, game, audience] = [{ targetRoomId: g.roomId }, to.room, g.players.map((p) => p.id)];
  } else if (to) {
    const player = seededGame(to.player).players[to.index]!.id;
    [target, game, audience] = [{ targetPlayerId: player }, to.player, [player]];
  }
  const input = { type, idempotencyKey: fresh("key"), ...target };
  const d = must(
    await s.gql<{ publishEvent: { seq: string; sourceGameId: string | null; targetGameId: string | null } }>(
      PUBLISH,
      { i: input },
      keyOf(from),
    ),
  );
  const e = { seq: BigInt(d.publishEvent.seq), type, source: d.publishEvent.sourceGameId, target: game, audience };
  log.push(e);
  return e;
}

/** Publishes EVENT_SET, concurrently (their seqs say their order). */
async function publishSet(): Promise<void> {
  await Promise.all(EVENT_SET.map(([from, label, to]) => publish(from, label, to)));
}

/** The logged events with `from <= seq <= to`, in seq order. */
const window = (from: bigint, to: bigint): Logged[] =>
  log.filter((e) => e.seq >= from && e.seq <= to).sort((a, b) => (a.seq < b.seq ? -1 : 1));

/** One event of every routing kind that matters here. */
const EVENT_SET: [from: string, label: string, to: Target][] = [
  [GAME_C, "cToA", GAME_A],
  [GAME_C, "cToB", GAME_B],
  [GAME_A, "aToC", GAME_C],
  [GAME_B, "bToC", GAME_C],
  [GAME_A, "aToB", GAME_B],
  ["admin", "adminToC", GAME_C], // neither A's nor B's: the admin's alone
  [GAME_C, "cBroadcast", null],
  ["admin", "adminBroadcast", null],
  [GAME_A, "aToLobbyA", { room: GAME_A }], // player A1 is in the lobby
  [GAME_B, "bToB2", { player: GAME_B, index: 1 }], // not player B1's
  ["admin", "adminToB1", { player: GAME_B, index: 0 }],
  ["admin", "adminToLobbyB", { room: GAME_B }],
];

/**
 * The rule of docs/realtime.md "Who sees which events": a player, the events whose audience it
 * was in; anyone else, with `gameId`, what that game sent or received and broadcasts; without,
 * the admin all, anyone else what its games sent or received and broadcasts.
 */
function sees(who: Signed, gameId: string | null, e: Logged): boolean {
  if (who === "playerA1" || who === "playerB1") return e.audience.includes(playerOf(who));
  const involves = (g: string) => e.target === null || e.source === g || e.target === g;
  if (gameId) return involves(gameId);
  return who === "admin" || involves(OWN[who]);
}

const playerOf = (who: "playerA1" | "playerB1") => (who === "playerA1" ? w.gameA : w.gameB).players[0]!.id;

/** A marker event `who` sees: an admin's broadcast, or for a player an admin's word to it alone. */
const marker = (who: Signed, label: string): Promise<Logged> =>
  who === "playerA1" || who === "playerB1"
    ? publish("admin", label, { player: OWN[who], index: 0 })
    : publish("admin", label, null);

interface EventMsg {
  events: { seq: string; type: string };
}

/** `sub` has received the message `pick` names. */
const arrives = <T>(sub: TestSubscription<T>, what: string, pick: (m: T) => boolean) =>
  waitUntil(what, () => sub.values.some(pick));

/** Live: once a probe arrives, publishes EVENT_SET; exactly the visible ones arrive, in seq order. */
function liveEvents(gameId: string | null) {
  return async (who: Signed, sub: TestSubscription<EventMsg>) => {
    await waitUntil("the subscription is live (a probe arrives)", async () => {
      if (sub.values.length > 0) return true;
      await marker(who, "probe");
      return false;
    });
    const start = BigInt(sub.values[0]!.events.seq);
    await publishSet();
    const end = await marker(who, "end");
    await arrives(sub, "the closing broadcast", (m) => m.events.type === end.type);
    const expected = window(start, end.seq).filter((e) => sees(who, gameId, e));
    expect(sub.values.map((m) => m.events.type)).toEqual(expected.map((e) => e.type));
    expect(sub.values.map((m) => m.events.seq)).toEqual(expected.map((e) => String(e.seq)));
  };
}

/** With `since`: everything visible after the seeded seq (earlier cells' events included), then live. */
function replayedEvents(gameId: string | null) {
  return async (who: Signed, sub: TestSubscription<EventMsg>) => {
    const end = await marker(who, "end");
    await arrives(sub, "the closing broadcast", (m) => m.events.type === end.type);
    const expected = window(seeded + 1n, end.seq).filter((e) => sees(who, gameId, e));
    expect(sub.values.map((m) => m.events.type)).toEqual(expected.map((e) => e.type));
  };
}

// ---------------------------------------------------------------------------------------------
// Ticks: driven one at a time; `ticked` records each number and the games it synced.
// ---------------------------------------------------------------------------------------------

const ticked: { number: bigint; synced: string[] }[] = [];

async function tick(): Promise<bigint> {
  const t = await leader.tick();
  const n = BigInt(t.number);
  // Games A and B are active, with tickEvery 2 and 3 (set in beforeAll).
  ticked.push({
    number: n,
    synced: [n % 2n === 0n ? GAME_A : null, n % 3n === 0n ? GAME_B : null].flatMap((g) => g ?? []),
  });
  return n;
}

interface TickMsg {
  ticks: { number: string };
}

/**
 * Once a tick arrives, runs at least three more, up to one whose number is a multiple of 6 (both
 * A's and B's); exactly the ticks of the game in question arrive (every tick without one). Three
 * consecutive ticks ending on a multiple of 6 are all different: n-2 (A's), n-1 (neither), n (both).
 */
function tickStream(gameId: string | null) {
  return async (who: Signed, sub: TestSubscription<TickMsg>) => {
    await waitUntil("the subscription is live (a tick arrives)", async () => {
      if (sub.values.length > 0) return true;
      await tick();
      return false;
    });
    const start = BigInt(sub.values[0]!.ticks.number);
    let end = 0n;
    for (let n = 0; n < 3 || end % 6n !== 0n; n++) end = await tick();
    await arrives(sub, `tick ${end}`, (m) => BigInt(m.ticks.number) === end);
    const game = gameId ?? (isGameBound(who) ? OWN[who] : null);
    const expected = ticked.filter(
      (t) => t.number >= start && t.number <= end && (game === null || t.synced.includes(game)),
    );
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(sub.values.map((m) => m.ticks.number)).toEqual(expected.map((t) => String(t.number)));
  };
}

// ---------------------------------------------------------------------------------------------
// Presence: a player of each game connects and disconnects.
// ---------------------------------------------------------------------------------------------

interface PresenceMsg {
  presence: { gameId: string; playerId: string; online: boolean; cause: string };
}

/**
 * Every presence change of games A and B, as the admin sees them on a connection of its own: a
 * cell waits there for its last change to be published, so none reaches the next cell.
 */
const presenceMonitor: Record<string, TestSubscription<PresenceMsg>> = {};

/** A player of each game that is in no room and offline but while a cell connects it. */
const visitor: Record<string, { id: string; token: string }> = {};

async function createVisitors(): Promise<void> {
  for (const game of [GAME_A, GAME_B]) {
    const id = await upsertPlayer(s, keyOf(game), "visitor");
    visitor[game] = { id, token: await issuePlayerToken(s, keyOf(game), id) };
  }
}

/** Connects `game`'s visitor with its token (so it comes online); resolves once acknowledged. */
async function connectedVisitor(game: string): Promise<{ id: string; ws: TestWsClient }> {
  const ws = connectWs(s.url, visitor[game]!.token);
  await ws.connected;
  return { id: visitor[game]!.id, ws };
}

/**
 * Own game's player P connects (its CONNECTED arrives: the subscription is live); then a player
 * of the other game connects (acknowledged, so its change is published); then P disconnects. The
 * two messages from P's CONNECTED on must be exactly P's CONNECTED and DISCONNECTED: the other
 * game's change, published between them, did not arrive.
 *
 * A subscription has no acknowledgement, so P's first CONNECTED may be published before the
 * server listens for it. Then P leaves (the admin's monitor sees it go) and comes again, until a
 * CONNECTED arrives; the stream is checked from that message on.
 */
function presenceStream(gameId: string | null) {
  return async (who: Signed, sub: TestSubscription<PresenceMsg>) => {
    const game = gameId ?? OWN[who as Exclude<Signed, "admin">];
    const own = presenceMonitor[game]!;
    let p = await connectedVisitor(game);
    /** The index of P's CONNECTED in what the subscription got, once one arrived within 2 s; else -1. */
    const connectedAt = async () => {
      const at = () => sub.values.findIndex((m) => m.presence.playerId === p.id && m.presence.online);
      return waitUntil("P's CONNECTED", () => at() >= 0, 2_000).then(at, () => -1);
    };
    try {
      let start = await connectedAt();
      for (let attempt = 2; start < 0; attempt++) {
        if (attempt > 5) throw new Error("the presence subscription never heard its own player connect");
        const seen = own.values.length;
        await p.ws.dispose();
        await waitUntil("the own player going offline", () =>
          own.values.slice(seen).some((m) => m.presence.playerId === p.id && !m.presence.online),
        );
        p = await connectedVisitor(game);
        start = await connectedAt();
      }
      const monitor = presenceMonitor[other(game)]!;
      const seen = monitor.values.length;
      const q = await connectedVisitor(other(game));
      try {
        await p.ws.dispose();
        await sub.received(start + 2);
        expect(sub.values.slice(start).map((m) => m.presence)).toEqual([
          { gameId: game, playerId: p.id, online: true, cause: "CONNECTED" },
          { gameId: game, playerId: p.id, online: false, cause: "DISCONNECTED" },
        ]);
      } finally {
        await q.ws.dispose();
        await waitUntil("the other game's player going offline", () =>
          monitor.values.slice(seen).some((m) => m.presence.playerId === q.id && !m.presence.online),
        );
      }
    } finally {
      sub.stop();
      await p.ws.dispose();
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Rooms
// ---------------------------------------------------------------------------------------------

interface RoomMsg {
  roomOccupants: { roomId: string; version: string; occupants: { id: string }[]; change: unknown };
}

/** The first message is the room's snapshot: its two (heartbeat-online) players, its version. */
/** A player's myRoom starts with its own room: the lobby, with its game's two players. */
async function myRoomSnapshot(who: Signed, sub: TestSubscription<{ myRoom: RoomMsg["roomOccupants"] }>) {
  const game = who === "playerA1" ? w.gameA : w.gameB;
  const [snapshot] = await sub.received(1);
  expect(snapshot!.myRoom).toMatchObject({ roomId: game.roomId, change: null });
  expect(snapshot!.myRoom.occupants.map((o) => o.id).sort()).toEqual(game.players.map((p) => p.id).sort());
}

function roomSnapshot(side: "A" | "B") {
  return async (_who: Signed, sub: TestSubscription<RoomMsg>) => {
    const game = side === "A" ? w.gameA : w.gameB;
    const [snapshot] = await sub.received(1);
    const now = must(
      await s.gql<{ roomOccupants: { version: string } }>(
        `query($r: ID!) { roomOccupants(roomId: $r) { version } }`,
        { r: game.roomId },
        TEST_ADMIN_TOKEN,
      ),
    );
    expect(snapshot!.roomOccupants).toEqual({
      roomId: game.roomId,
      version: now.roomOccupants.version,
      occupants: game.players.map((p) => ({ id: p.id })),
      change: null,
    });
  };
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

type Vars = Record<string, unknown>;

interface Row {
  /** The subscription under test. */
  sub: string;
  /** What it is tried against. */
  target: string;
  doc: string;
  vars: () => Vars;
  expect: Record<Who, Cell>;
  /** For "ok" cells: drives the stream and asserts exactly what arrives. */
  stream?: (who: Signed, sub: TestSubscription<never>) => Promise<void>;
  /** For refused cells, where the docs word it: the error's message and extensions. */
  error?: (code: Code, who: Signed, vars: Vars) => { message?: string; extensions?: Vars } | undefined;
}

const EVENTS = `subscription($gameId: ID, $since: Int64) { events(gameId: $gameId, since: $since) { seq type } }`;
const TICKS = `subscription($gameId: ID) { ticks(gameId: $gameId) { number } }`;
const ROOM = `subscription($r: ID!) { roomOccupants(roomId: $r) { roomId version occupants { id } change { kind } } }`;
const MY_ROOM = `subscription { myRoom { roomId version occupants { id } change { kind } } }`;
const PRESENCE = `subscription($gameId: ID) { presence(gameId: $gameId) { gameId playerId online cause } }`;
const UNIVERSE = `subscription { universe { games } }`;
const GAMES = `subscription { games { kind games { id } } }`;

/** The documented wording of a refusal to read another game's private data. */
const privateError = (code: Code, _who: Signed, vars: Vars) =>
  code === FB
    ? {
        message: `The rooms, players and events of game "${String(vars["gameId"])}" are private to its owners and players`,
      }
    : undefined;

/** NOT_FOUND is worded exactly as for something that does not exist. */
const roomNotFound = (code: Code, _who: Signed, vars: Vars) =>
  code === NF ? { message: `Room "${String(vars["r"])}" was not found` } : undefined;

const rows: Row[] = [
  // ----- events -----
  {
    sub: "events",
    target: "live, without gameId",
    doc: EVENTS,
    vars: () => ({}),
    expect: everyone(OK),
    stream: liveEvents(null) as Row["stream"],
  },
  {
    sub: "events",
    target: "live, gameId of game A",
    doc: EVENTS,
    vars: () => ({ gameId: GAME_A }),
    expect: privateTo("A", FB),
    stream: liveEvents(GAME_A) as Row["stream"],
    error: privateError,
  },
  {
    sub: "events",
    target: "live, gameId of game B",
    doc: EVENTS,
    vars: () => ({ gameId: GAME_B }),
    expect: privateTo("B", FB),
    stream: liveEvents(GAME_B) as Row["stream"],
    error: privateError,
  },
  {
    sub: "events",
    target: "replayed with since, without gameId",
    doc: EVENTS,
    vars: () => ({ since: String(seeded) }),
    expect: everyone(OK),
    stream: replayedEvents(null) as Row["stream"],
  },
  {
    sub: "events",
    target: "replayed with since, gameId of game A",
    doc: EVENTS,
    vars: () => ({ gameId: GAME_A, since: String(seeded) }),
    expect: privateTo("A", FB),
    stream: replayedEvents(GAME_A) as Row["stream"],
    error: privateError,
  },
  {
    sub: "events",
    target: "an unknown gameId",
    doc: EVENTS,
    vars: () => ({ gameId: UNKNOWN_GAME }),
    expect: everyone(NF),
    error: () => ({ message: `Game "${UNKNOWN_GAME}" was not found` }),
  },
  // ----- ticks -----
  {
    sub: "ticks",
    target: "without gameId (every tick, or the caller's game's)",
    doc: TICKS,
    vars: () => ({}),
    expect: everyone(OK),
    stream: tickStream(null) as Row["stream"],
  },
  {
    sub: "ticks",
    target: "gameId of game A (public)",
    doc: TICKS,
    vars: () => ({ gameId: GAME_A }),
    expect: everyone(OK),
    stream: tickStream(GAME_A) as Row["stream"],
  },
  {
    sub: "ticks",
    target: "gameId of game B (public)",
    doc: TICKS,
    vars: () => ({ gameId: GAME_B }),
    expect: everyone(OK),
    stream: tickStream(GAME_B) as Row["stream"],
  },
  {
    sub: "ticks",
    target: "an unknown gameId",
    doc: TICKS,
    vars: () => ({ gameId: UNKNOWN_GAME }),
    expect: everyone(NF),
    error: () => ({ message: `Game "${UNKNOWN_GAME}" was not found` }),
  },
  // ----- myRoom -----
  {
    sub: "myRoom",
    target: "the caller's own room (player tokens only)",
    doc: MY_ROOM,
    vars: () => ({}),
    expect: cells(FB, FB, FB, FB, FB, OK, OK),
    stream: myRoomSnapshot as Row["stream"],
    error: (code, who) =>
      code === FB
        ? {
            message: `This operation is for: player (you are signed in as ${who === "admin" ? "admin" : who.startsWith("dev") ? "developer" : "game"})`,
          }
        : undefined,
  },
  // ----- roomOccupants -----
  {
    sub: "roomOccupants",
    target: "game A's lobby",
    doc: ROOM,
    vars: () => ({ r: w.gameA.roomId }),
    expect: privateTo("A", NF),
    stream: roomSnapshot("A") as Row["stream"],
    error: roomNotFound,
  },
  {
    sub: "roomOccupants",
    target: "game B's lobby",
    doc: ROOM,
    vars: () => ({ r: w.gameB.roomId }),
    expect: privateTo("B", NF),
    stream: roomSnapshot("B") as Row["stream"],
    error: roomNotFound,
  },
  {
    sub: "roomOccupants",
    target: "a room id that names no room",
    doc: ROOM,
    vars: () => ({ r: "00000000-0000-4000-8000-000000000000" }),
    expect: everyone(NF),
    error: roomNotFound,
  },
  {
    sub: "roomOccupants",
    target: "a room id that is not a UUID",
    doc: ROOM,
    vars: () => ({ r: "lobby" }),
    expect: everyone(BI),
    error: () => ({ extensions: { code: BI, field: "roomId" } }),
  },
  // ----- presence -----
  {
    sub: "presence",
    target: "without gameId (the caller's own game)",
    doc: PRESENCE,
    vars: () => ({}),
    // The admin and developers must name the game.
    expect: cells(BI, BI, BI, OK, OK, OK, OK),
    stream: presenceStream(null) as Row["stream"],
    error: () => ({ extensions: { code: BI, field: "gameId" } }),
  },
  {
    sub: "presence",
    target: "gameId of game A",
    doc: PRESENCE,
    vars: () => ({ gameId: GAME_A }),
    expect: privateTo("A", FB),
    stream: presenceStream(GAME_A) as Row["stream"],
    error: privateError,
  },
  {
    sub: "presence",
    target: "gameId of game B",
    doc: PRESENCE,
    vars: () => ({ gameId: GAME_B }),
    expect: privateTo("B", FB),
    stream: presenceStream(GAME_B) as Row["stream"],
    error: privateError,
  },
  {
    sub: "presence",
    target: "an unknown gameId",
    doc: PRESENCE,
    vars: () => ({ gameId: UNKNOWN_GAME }),
    expect: everyone(NF),
    error: () => ({ message: `Game "${UNKNOWN_GAME}" was not found` }),
  },
  // ----- universe -----
  {
    sub: "universe",
    target: "the multiverse",
    doc: UNIVERSE,
    vars: () => ({}),
    expect: cells(OK, FB, FB, FB, FB, FB, FB),
    stream: (async (_who: Signed, sub: TestSubscription<{ universe: { games: number } }>) => {
      const [first] = await sub.received(1);
      const now = must(await s.gql<{ universe: { games: number } }>(`{ universe { games } }`, {}, TEST_ADMIN_TOKEN));
      expect(first!.universe).toEqual({ games: now.universe.games });
    }) as Row["stream"],
    error: (_code, who) => ({
      message: `This operation is for: admin (you are signed in as ${who.startsWith("dev") ? "developer" : who.replace(/[AB]1?$/, "")})`,
    }),
  },
  // ----- games -----
  {
    sub: "games",
    target: "the games its caller watches",
    doc: GAMES,
    vars: () => ({}),
    expect: cells(OK, OK, OK, FB, FB, FB, FB),
    // The snapshot: every game for the admin, its own for a developer (changes: games-subscription.test.ts).
    stream: (async (who: Signed, sub: TestSubscription<{ games: { kind: string; games: { id: string }[] } }>) => {
      const [first] = await sub.received(1);
      const ids = who === "admin" ? [GAME_A, GAME_B, GAME_C] : [OWN[who as "devA" | "devB"]];
      expect(first!.games).toEqual({ kind: "SNAPSHOT", games: ids.map((id) => ({ id })) });
    }) as Row["stream"],
    error: (_code, who) => ({
      message: `This operation is for: admin, developer (you are signed in as ${who.replace(/[AB]1?$/, "")})`,
    }),
  },
];

// ---------------------------------------------------------------------------------------------
// Running it
// ---------------------------------------------------------------------------------------------

/** How long a refusal may take to arrive (it comes at once; a stream that starts never sends one). */
const REFUSAL_MS = 5_000;

async function runCase(r: Row, who: Who, expected: Cell): Promise<void> {
  const vars = r.vars();
  if (who === "anonymous") {
    const ws = connectWs(s.url);
    try {
      const sub = subscribe(ws, r.doc, vars);
      const refusal = await within(sub.refused, REFUSAL_MS, () => "the connection to close");
      expect(refusal).toEqual({ form: "closed", code: 4403, reason: SIGN_IN });
      expect(sub.values).toEqual([]);
    } finally {
      await ws.dispose();
    }
    return;
  }
  const conn = conns[who];
  const sub = subscribe<never>(conn, r.doc, vars);
  try {
    if (expected === OK) {
      if (!r.stream) throw new Error(`row ${r.sub} (${r.target}) has an "ok" cell but no stream check`);
      await r.stream(who, sub);
      return;
    }
    // A stream that started instead fails the cell at its first message, or at the deadline.
    const started = sub.received(1).then((v): never => {
      throw new Error(`expected a ${expected} refusal; the subscription streamed ${JSON.stringify(v)}`);
    });
    const refusal = await within(Promise.race([sub.refused, started]), REFUSAL_MS, () => `a ${expected} refusal`);
    const summary =
      refusal.form === "next" ? { ...refusal, errors: refusal.errors.map((e) => e.extensions?.["code"]) } : refusal;
    // Refused when it starts: one `next` with the errors and no data, then `complete`.
    expect(summary).toEqual({ form: "next", errors: [expected], hasData: false, completed: true });
    expect(sub.values).toEqual([]);
    const detail = r.error?.(expected as Code, who, vars);
    if (detail && refusal.form === "next") expect(refusal.errors[0]).toMatchObject(detail);
    // The connection carries on.
    expect(conn.isClosed()).toBe(false);
  } finally {
    sub.stop();
  }
}

for (const r of rows) {
  describe(`${r.sub}: ${r.target}`, () => {
    for (const who of PRINCIPALS) {
      const expected = r.expect[who];
      const label =
        expected === NO_WS
          ? "closed at connect with 4403"
          : expected === OK
            ? "streams exactly what it may see"
            : `refused: ${expected} in a next message, then complete`;
      it(`${who} -> ${label}`, () => runCase(r, who, expected));
    }
  });
}

describe("the matrix covers every subscription", () => {
  it("tries every subscription of the schema with every principal", async () => {
    const d = must(
      await s.gql<{ __schema: { subscriptionType: { fields: { name: string }[] } } }>(
        `{ __schema { subscriptionType { fields { name } } } }`,
        {},
        TEST_ADMIN_TOKEN,
      ),
    );
    const subscriptions = d.__schema.subscriptionType.fields.map((f) => f.name);
    const missing = subscriptions.flatMap((name) => {
      const tried = new Set(rows.filter((r) => r.sub === name).flatMap((r) => Object.keys(r.expect)));
      return PRINCIPALS.filter((p) => !tried.has(p)).map((p) => `${name}/${p}`);
    });
    expect(missing).toEqual([]);
    expect(rows.filter((r) => !subscriptions.includes(r.sub)).map((r) => r.sub)).toEqual([]);
  });
});
