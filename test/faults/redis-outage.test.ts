// Redis away for a moment: a mutation whose commit is in Postgres must not answer an error after
// committing. `movePlayer` commits the move, then reads who is online and publishes the rooms'
// new occupants (Redis): that work after the commit is best-effort, so the move answers what it
// committed, and the failure is logged. (Before, it answered INTERNAL_SERVER_ERROR with the move
// committed.) A private redis-server is killed; the shared one is left alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, movePlayer, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { startPrivateRedis, type PrivateRedis } from "../support/redis-server.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

describe("Redis away for a moment", () => {
  let redis: PrivateRedis;
  let s: TestServer;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    s = await startTestServer({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await s?.stop();
    await redis?.stop();
  });

  it("movePlayer answers the move it committed, and logs what it could not tell the room's watchers", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "redis-outage", { developerName: "Outage" });
    const roomId = await createRoom(s, g.apiKey, g.realmId, "Hall");
    const playerId = await upsertPlayer(s, g.apiKey, "mover");
    await redis.kill();
    try {
      const moved = must(await movePlayer(s, g.apiKey, playerId, roomId));
      expect(moved.movePlayer).toEqual({ id: playerId, roomId });
      const row = await s.app.services.prisma.player.findUniqueOrThrow({ where: { id: playerId } });
      expect(row.roomId).toBe(roomId);
      expect(s.logs.some((l) => l["msg"] === "room change not published" && l["level"] === 40)).toBe(true);
    } finally {
      await redis.start();
    }
  });
});
