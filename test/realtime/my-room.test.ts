// myRoom (issue 13): a player's own room as it goes, over one subscription: the room and its
// online players first, a fresh snapshot after each move (made by its game or by itself), and
// the room's changes in between; nothing from rooms it left.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, issuePlayerToken, movePlayer, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { subscribe, wsClients } from "../support/ws.ts";
import { waitUntil } from "../support/wait.ts";

const MY_ROOM = `subscription { myRoom { roomId version occupants { id } change { kind playerId cause } } }`;
interface Msg {
  myRoom: {
    roomId: string | null;
    version: string;
    occupants: { id: string }[];
    change: { kind: string; playerId: string; cause: string } | null;
  };
}

let s: TestServer;
const pool = wsClients(() => s.url);
let key: string;
const rooms = { hall: "", cellar: "", attic: "" };
let ann: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  s = await startTestServer();
  const g = await registerGame(s, TEST_ADMIN_TOKEN, "manor", { developerName: "M" });
  key = g.apiKey;
  for (const name of ["hall", "cellar", "attic"] as const) rooms[name] = await createRoom(s, key, g.realmId, name);
  const player = async (name: string) => {
    const id = await upsertPlayer(s, key, name);
    return { id, token: await issuePlayerToken(s, key, id) };
  };
  ann = await player("ann");
  bob = await player("bob");
});
afterAll(async () => {
  await pool.disposeAll();
  await s?.stop();
});

describe("myRoom", () => {
  it("follows its player through three moves, with each room's changes in between and none from rooms it left", async () => {
    must(await movePlayer(s, key, ann.id, rooms.hall));
    const bobWs = await pool.connect(bob.token); // Bob online: his moves are occupant changes
    const sub = subscribe<Msg>(await pool.connect(ann.token), MY_ROOM);
    const [first] = await sub.received(1);
    expect(first!.myRoom).toMatchObject({ roomId: rooms.hall, change: null, occupants: [{ id: ann.id }] });

    // A change of the hall: Bob comes in.
    must(await movePlayer(s, key, bob.id, rooms.hall));
    const [, joined] = await sub.received(2);
    expect(joined!.myRoom).toMatchObject({
      roomId: rooms.hall,
      change: { kind: "JOINED", playerId: bob.id, cause: "MOVED" },
    });
    expect(joined!.myRoom.occupants.map((o) => o.id).sort()).toEqual([ann.id, bob.id].sort());
    expect(BigInt(joined!.myRoom.version)).toBeGreaterThan(BigInt(first!.myRoom.version));

    // Move 1, by its game: a fresh snapshot of the cellar.
    must(await movePlayer(s, key, ann.id, rooms.cellar));
    const cellar = await waitUntil("the cellar's snapshot", () =>
      sub.values.find((m) => m.myRoom.roomId === rooms.cellar),
    );
    expect(cellar!.myRoom).toMatchObject({ change: null, occupants: [{ id: ann.id }] });

    // The hall is no longer its room: Bob leaving it is not sent.
    must(await movePlayer(s, key, bob.id, null));
    // Move 2, by the player itself: the attic.
    must(await movePlayer(s, ann.token, ann.id, rooms.attic));
    await waitUntil("the attic's snapshot", () => sub.values.some((m) => m.myRoom.roomId === rooms.attic));
    // Bob comes into the attic: a change of it.
    must(await movePlayer(s, key, bob.id, rooms.attic));
    await waitUntil("Bob joining the attic", () =>
      sub.values.some((m) => m.myRoom.change?.kind === "JOINED" && m.myRoom.roomId === rooms.attic),
    );

    // Move 3: out of every room.
    must(await movePlayer(s, key, ann.id, null));
    await waitUntil("the snapshot of no room", () => sub.values.at(-1)?.myRoom.roomId === null);
    expect(sub.values.at(-1)!.myRoom).toEqual({ roomId: null, version: "0", occupants: [], change: null });

    // Everything it got, in order: each room's messages together, snapshots where it moved.
    const story = sub.values.map((m) => [m.myRoom.roomId, m.myRoom.change?.kind ?? "snapshot"]);
    expect(story).toEqual([
      [rooms.hall, "snapshot"],
      [rooms.hall, "JOINED"],
      [rooms.cellar, "snapshot"],
      [rooms.attic, "snapshot"],
      [rooms.attic, "JOINED"],
      [null, "snapshot"],
    ]);
    // Within a room, versions only go up.
    for (let i = 1; i < sub.values.length; i++) {
      const [a, b] = [sub.values[i - 1]!.myRoom, sub.values[i]!.myRoom];
      if (a.roomId === b.roomId && a.roomId !== null) expect(BigInt(b.version)).toBeGreaterThan(BigInt(a.version));
    }
    sub.stop();
    await bobWs.dispose();
  });

  it("is for player tokens only", async () => {
    for (const credential of [key, TEST_ADMIN_TOKEN]) {
      const sub = subscribe<Msg>(await pool.connect(credential), MY_ROOM);
      const errors = await sub.errored;
      expect(errors[0]?.extensions?.["code"]).toBe("FORBIDDEN");
    }
  });
});
