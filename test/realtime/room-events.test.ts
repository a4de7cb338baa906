// Players who talk (issue 13): events to a room and to a player, players publishing with their
// tokens, and who sees what, live and on replay (docs/realtime.md, "Who sees which events").
//
// The tavern: Ann and Bob in the hall, Cat in the cellar; the forest: Dan in its glade. Each
// player and each game follows `events` over its own WebSocket. Every check ends with a marker
// sent to each watcher alone, so "nothing else arrived" is read off a stream that has caught up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, issuePlayerToken, movePlayer, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { errorCode, type GqlResult } from "../support/graphql.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { subscribe, wsClients, type TestSubscription } from "../support/ws.ts";
import { waitUntil } from "../support/wait.ts";

const ALLOWED = ["chat.say", "chat.whisper", "cmd.look"];
const EVENT = `seq type data sourceGameId sourcePlayerId targetGameId targetRoomId targetPlayerId recipientGameIds broadcast`;
const EVENTS = `subscription($since: Int64, $roomId: ID, $playerId: ID) {
  events(since: $since, roomId: $roomId, playerId: $playerId) { ${EVENT} }
}`;
const PUBLISH = `mutation($i: PublishEventInput!) { publishEvent(input: $i) { id ${EVENT} } }`;
const PUBLISH_ALL = `mutation($i: [PublishEventInput!]!) { publishEvents(inputs: $i) { id seq } }`;

interface Ev {
  seq: string;
  type: string;
  data: { text?: string; to?: string };
  sourceGameId: string | null;
  sourcePlayerId: string | null;
  targetGameId: string | null;
  targetRoomId: string | null;
  targetPlayerId: string | null;
  recipientGameIds: string[];
  broadcast: boolean;
}
type Msg = { events: Ev };

type Name = "ann" | "bob" | "cat" | "dan";

let s: TestServer;
const pool = wsClients(() => s.url);
const tavern = { id: "tavern", key: "", hall: "", cellar: "" };
const forest = { id: "forest", key: "", glade: "" };
const players = {} as Record<Name, { id: string; token: string }>;
/** Each watcher's `events` stream (live only), opened once everyone is seated. */
const streams = {} as Record<Name | "tavern" | "forest", TestSubscription<Msg>>;

const publish = (credential: string, input: Record<string, unknown>): Promise<GqlResult<{ publishEvent: Ev }>> =>
  s.gql(PUBLISH, { i: input }, credential);
const say = (who: Name, text: string, extra: Record<string, unknown> = {}) =>
  publish(players[who].token, { type: "chat.say", targetRoomId: tavern.hall, data: { text }, ...extra });
const lastSeq = async () =>
  BigInt(
    must(await s.gql<{ eventLog: { lastSeq: string } }>(`{ eventLog { lastSeq } }`, {}, TEST_ADMIN_TOKEN)).eventLog
      .lastSeq,
  );

/** What `watcher` received after `afterSeq`, once a marker the admin sent to it alone arrived: types, in order. */
async function seenBy(watcher: keyof typeof streams, afterSeq: bigint): Promise<string[]> {
  const marker = `marker.${watcher}.${afterSeq}`;
  const to =
    watcher === "tavern" || watcher === "forest" ? { targetGameId: watcher } : { targetPlayerId: players[watcher].id };
  must(await publish(TEST_ADMIN_TOKEN, { type: marker, ...to }));
  const sub = streams[watcher];
  await waitUntil(`${watcher}'s marker`, () => sub.values.some((m) => m.events.type === marker));
  const after = sub.values.filter((m) => BigInt(m.events.seq) > afterSeq).map((m) => m.events.type);
  expect(after.at(-1)).toBe(marker);
  return after.filter((t) => !t.startsWith("marker."));
}

async function seat(name: Name, game: { key: string }, roomId: string): Promise<void> {
  const id = await upsertPlayer(s, game.key, name);
  must(await movePlayer(s, game.key, id, roomId));
  players[name] = { id, token: await issuePlayerToken(s, game.key, id) };
}

beforeAll(async () => {
  // Players here say more than the default 10 a second; the rate has a server of its own below.
  s = await startTestServer({ RATE_LIMIT_PLAYER_EVENTS_PER_SECOND: "1000" });
  const t = await registerGame(s, TEST_ADMIN_TOKEN, tavern.id, { developerName: "Tess", playerEventTypes: ALLOWED });
  tavern.key = t.apiKey;
  tavern.hall = await createRoom(s, t.apiKey, t.realmId, "Hall");
  tavern.cellar = await createRoom(s, t.apiKey, t.realmId, "Cellar");
  const f = await registerGame(s, TEST_ADMIN_TOKEN, forest.id, { developerName: "Finn", playerEventTypes: ALLOWED });
  forest.key = f.apiKey;
  forest.glade = await createRoom(s, f.apiKey, f.realmId, "Glade");
  await seat("ann", tavern, tavern.hall);
  await seat("bob", tavern, tavern.hall);
  await seat("cat", tavern, tavern.cellar);
  await seat("dan", forest, forest.glade);
  for (const name of ["ann", "bob", "cat", "dan"] as const) {
    streams[name] = subscribe<Msg>(await pool.connect(players[name].token), EVENTS);
  }
  streams.tavern = subscribe<Msg>(await pool.connect(tavern.key), EVENTS);
  streams.forest = subscribe<Msg>(await pool.connect(forest.key), EVENTS);
  // Live: each watcher's first marker arrived.
  for (const w of Object.keys(streams) as (keyof typeof streams)[]) await seenBy(w, 0n);
});
afterAll(async () => {
  await pool.disposeAll();
  await s?.stop();
});

describe("a room event", () => {
  it("reaches the players in the room and its game, and no one else", async () => {
    const from = await lastSeq();
    const e = must(await say("ann", "hello, hall")).publishEvent;
    expect(e).toMatchObject({
      type: "chat.say",
      sourceGameId: "tavern",
      sourcePlayerId: players.ann.id,
      targetGameId: null,
      targetRoomId: tavern.hall,
      targetPlayerId: null,
      recipientGameIds: ["tavern"],
      broadcast: false,
    });
    expect(await seenBy("ann", from)).toEqual(["chat.say"]);
    expect(await seenBy("bob", from)).toEqual(["chat.say"]);
    expect(await seenBy("tavern", from)).toEqual(["chat.say"]);
    expect(await seenBy("cat", from)).toEqual([]);
    expect(await seenBy("dan", from)).toEqual([]);
    expect(await seenBy("forest", from)).toEqual([]);
  });

  it("a game may speak to its own rooms and players, not another game's (NOT_FOUND)", async () => {
    const from = await lastSeq();
    must(await publish(tavern.key, { type: "door.opened", targetRoomId: tavern.cellar }));
    expect(await seenBy("cat", from)).toEqual(["door.opened"]);
    expect(await seenBy("ann", from)).toEqual([]);
    const before = await lastSeq();
    const other = await publish(tavern.key, { type: "door.opened", targetRoomId: forest.glade });
    expect(errorCode(other)).toBe("NOT_FOUND");
    expect(other.errors?.[0]?.message).toBe(`Room "${forest.glade}" was not found`);
    const stranger = await publish(tavern.key, { type: "hint", targetPlayerId: players.dan.id });
    expect(errorCode(stranger)).toBe("NOT_FOUND");
    expect(await lastSeq()).toBe(before);
  });
});

describe("players publishing", () => {
  it("a whisper reaches its target and its sender, and no one else", async () => {
    const from = await lastSeq();
    const e = must(
      await publish(players.ann.token, {
        type: "chat.whisper",
        targetPlayerId: players.cat.id,
        data: { text: "psst" },
      }),
    ).publishEvent;
    expect(e).toMatchObject({ targetPlayerId: players.cat.id, recipientGameIds: ["tavern"], broadcast: false });
    expect(await seenBy("cat", from)).toEqual(["chat.whisper"]);
    expect(await seenBy("ann", from)).toEqual(["chat.whisper"]);
    expect(await seenBy("bob", from)).toEqual([]);
    expect(await seenBy("tavern", from)).toEqual(["chat.whisper"]);
  });

  it("with no target, a command reaches its game's server alone", async () => {
    const from = await lastSeq();
    const e = must(await publish(players.bob.token, { type: "cmd.look" })).publishEvent;
    expect(e).toMatchObject({ sourcePlayerId: players.bob.id, recipientGameIds: ["tavern"], broadcast: false });
    expect(await seenBy("tavern", from)).toEqual(["cmd.look"]);
    for (const w of ["ann", "bob", "cat", "dan", "forest"] as const) expect(await seenBy(w, from)).toEqual([]);
  });

  it("is refused, storing nothing, outside its room, its game or its game's types", async () => {
    const before = await lastSeq();
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { type: "chat.say", targetRoomId: tavern.cellar },
        "FORBIDDEN",
        `A player publishes only to its current room (room ${tavern.hall})`,
      ],
      [
        { type: "chat.whisper", targetPlayerId: players.dan.id },
        "NOT_FOUND",
        `Player "${players.dan.id}" was not found`,
      ],
      [
        { type: "chat.shout", targetRoomId: tavern.hall },
        "FORBIDDEN",
        `Players of game "tavern" may publish only these event types: ${ALLOWED.join(", ")}`,
      ],
      [
        { type: "chat.say", targetGameId: "forest" },
        "FORBIDDEN",
        "A player publishes to its current room (targetRoomId), to a player of its game (targetPlayerId), or to its game's server (no target); not to games or realms",
      ],
      [
        { type: "chat.say", targetRoomId: tavern.hall, targetPlayerId: players.bob.id },
        "BAD_USER_INPUT",
        "targetPlayerId: an event has one kind of target; this one names a room (targetRoomId) and a player (targetPlayerId)",
      ],
    ];
    for (const [input, code, message] of cases) {
      const r = await publish(players.ann.token, input);
      expect(errorCode(r), JSON.stringify(input)).toBe(code);
      expect(r.errors?.[0]?.message).toBe(message);
    }
    expect(await lastSeq()).toBe(before);
  });

  it("a game that lists no types lets its players publish nothing, saying how to allow them", async () => {
    must(await s.gql(`mutation { updateGame(id: "forest", input: { playerEventTypes: [] }) { id } }`, {}, forest.key));
    const r = await publish(players.dan.token, { type: "chat.say", targetRoomId: forest.glade });
    expect(errorCode(r)).toBe("FORBIDDEN");
    expect(r.errors?.[0]?.message).toBe(
      `Players of game "forest" may publish no event types: its owners list them in playerEventTypes (registerGame, updateGame)`,
    );
    const game = must(
      await s.gql<{ updateGame: { playerEventTypes: string[] } }>(
        `mutation { updateGame(id: "forest", input: { playerEventTypes: ["chat.say", "chat.say", "emote"] }) { playerEventTypes } }`,
        {},
        forest.key,
      ),
    );
    expect(game.updateGame.playerEventTypes).toEqual(["chat.say", "emote"]);
    must(await publish(players.dan.token, { type: "emote", targetRoomId: forest.glade }));
  });

  it("an idempotency key is the player's own: a retry answers the stored event, another sender's key is another event", async () => {
    const first = must(await say("ann", "once", { idempotencyKey: "k-1" })).publishEvent;
    const retry = must(await say("ann", "once", { idempotencyKey: "k-1" })).publishEvent;
    expect(retry.seq).toBe(first.seq);
    const bobs = must(await say("bob", "once", { idempotencyKey: "k-1" })).publishEvent;
    expect(bobs.seq).not.toBe(first.seq);
    const games = must(await publish(tavern.key, { type: "chat.say", idempotencyKey: "k-1" })).publishEvent;
    expect(games.seq).not.toBe(first.seq);
    const conflict = await say("ann", "other words", { idempotencyKey: "k-1" });
    expect(errorCode(conflict)).toBe("CONFLICT");
  });

  it("has a rate of its own per player (RATE_LIMIT_PLAYER_EVENTS_PER_SECOND), a list counting each event", async () => {
    const small = await startTestServer({ RATE_LIMIT_PLAYER_EVENTS_PER_SECOND: "3" });
    try {
      const g = await registerGame(small, TEST_ADMIN_TOKEN, "chatty", {
        developerName: "C",
        playerEventTypes: ALLOWED,
      });
      const id = await upsertPlayer(small, g.apiKey, "eve");
      const token = await issuePlayerToken(small, g.apiKey, id);
      const four = Array.from({ length: 4 }, (_, i) => ({ type: "cmd.look", data: { i } }));
      // Four are over three whatever the second they fall in.
      const r = await small.gql(PUBLISH_ALL, { i: four }, token);
      expect(errorCode(r)).toBe("RATE_LIMITED");
      expect(r.errors?.[0]?.message).toBe("At most 3 events per second per player: slow down and retry");
      // Its game's own budget is another: the game still publishes.
      must(await small.gql(PUBLISH_ALL, { i: four }, g.apiKey));
      const log = must(
        await small.gql<{ eventLog: { lastSeq: string } }>(`{ eventLog { lastSeq } }`, {}, TEST_ADMIN_TOKEN),
      );
      expect(log.eventLog.lastSeq).toBe("4");
    } finally {
      await small.stop();
    }
  });
});

describe("who sees what on replay", () => {
  it("a player who enters a room later never sees what was said there before, and sees what is said after", async () => {
    const from = await lastSeq();
    must(await say("ann", "before cat came"));
    must(await movePlayer(s, tavern.key, players.cat.id, tavern.hall));
    must(await say("bob", "after cat came"));
    const texts = (values: Msg[]) => values.filter((m) => m.events.type === "chat.say").map((m) => m.events.data.text);
    // Live: only what was said once it was in.
    await seenBy("cat", from);
    expect(texts(streams.cat.values.filter((m) => BigInt(m.events.seq) > from))).toEqual(["after cat came"]);
    // Replayed from the beginning: the same, never the words before it came.
    const replay = subscribe<Msg>(await pool.connect(players.cat.token), EVENTS, { since: "0" });
    const end = must(await publish(TEST_ADMIN_TOKEN, { type: "marker.replay", targetPlayerId: players.cat.id }));
    await waitUntil("the replay caught up", () => replay.values.some((m) => m.events.seq === end.publishEvent.seq));
    expect(texts(replay.values)).not.toContain("before cat came");
    expect(texts(replay.values)).toContain("after cat came");
    // Each event it replays is one it could see: to it, or to a room it was in then.
    for (const m of replay.values) {
      expect(m.events.targetPlayerId === players.cat.id || m.events.targetRoomId !== null, m.events.type).toBe(true);
    }
    must(await movePlayer(s, tavern.key, players.cat.id, tavern.cellar));
  });

  it("the admin narrows events to a room or a player", async () => {
    const from = await lastSeq();
    must(await say("ann", "for the filters"));
    must(await publish(players.ann.token, { type: "chat.whisper", targetPlayerId: players.bob.id }));
    const page = async (vars: Record<string, string>) =>
      must(
        await s.gql<{ events: { nodes: { type: string; seq: string }[] } }>(
          `query($after: Int64, $roomId: ID, $playerId: ID) {
            events(after: $after, roomId: $roomId, playerId: $playerId) { nodes { type seq } } }`,
          { after: String(from), ...vars },
          TEST_ADMIN_TOKEN,
        ),
      ).events.nodes.map((n) => n.type);
    expect(await page({ roomId: tavern.hall })).toEqual(["chat.say"]);
    expect(await page({ playerId: players.bob.id })).toEqual(["chat.say", "chat.whisper"]);
    expect(await page({ playerId: players.cat.id })).toEqual([]);
    // A game may not narrow to another game's room.
    const refused = await s.gql(
      `query($r: ID) { events(roomId: $r) { nodes { seq } } }`,
      { r: forest.glade },
      tavern.key,
    );
    expect(errorCode(refused)).toBe("NOT_FOUND");
  });
});
