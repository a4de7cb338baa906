import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedWorld, type World } from "../support/fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

describe("a seeded world", () => {
  let s: TestServer;
  let w: World;
  beforeAll(async () => {
    s = await startTestServer();
    w = await seedWorld(s);
  });
  afterAll(() => s?.stop());

  it("lists the room's occupants for the game that owns it", async () => {
    const r = await s.gql<{ roomOccupants: { version: string; occupants: { id: string }[] } }>(
      `query($id: ID!) { roomOccupants(roomId: $id) { version occupants { id } } }`,
      { id: w.gameA.roomId },
      w.gameA.apiKey,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.roomOccupants.occupants.map((o) => o.id).sort()).toEqual(w.gameA.players.map((p) => p.id).sort());
    // Two moves into the room, then both players coming online through their game's heartbeat.
    expect(r.data?.roomOccupants.version).toBe("4");
  });
});
