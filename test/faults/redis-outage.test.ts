// Redis away for a moment: a mutation whose commit is in Postgres must not answer an error after
// committing. `movePlayer` commits the move, then reads who is online and publishes the rooms'
// new occupants (Redis): that work after the commit is best-effort, so the move answers what it
// committed, and the failure is logged. (Before, it answered INTERNAL_SERVER_ERROR with the move
// committed.) Publishing needs Redis before it stores anything (the rate limit is counted there,
// and delivery goes through it), so while Redis is away a publish is refused as transient
// (503 SERVICE_UNAVAILABLE with retryAfterMs) and stores nothing; a player's WebSocket (its
// presence is in Redis) is closed with 1013, never 4403; /readyz says the bus is down. When Redis
// is back, the same node serves again. A private redis-server is killed; the shared one is left alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, issuePlayerToken, movePlayer, must, registerGame, upsertPlayer } from "../support/fixtures.ts";
import { startPrivateRedis, type PrivateRedis } from "../support/redis-server.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";
import { connectWs } from "../support/ws.ts";

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
  it("refuses publishes as transient and stores nothing, closes player sockets with 1013, then serves again", async () => {
    const g = await registerGame(s, TEST_ADMIN_TOKEN, "redis-publish", { developerName: "Outage" });
    const playerId = await upsertPlayer(s, g.apiKey, "watcher");
    const token = await issuePlayerToken(s, g.apiKey, playerId);
    const post = async (query: string) => {
      const res = await fetch(`${s.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${g.apiKey}` },
        body: JSON.stringify({ query }),
      });
      return {
        status: res.status,
        body: (await res.json()) as {
          data?: unknown;
          errors?: { message: string; extensions?: Record<string, unknown> }[];
        },
      };
    };
    const stored = () => s.app.services.prisma.event.count({ where: { sourceGameId: g.id } });
    const ONE = `mutation { publishEvent(input: { type: "during" }) { seq } }`;
    const MANY = `mutation { publishEvents(inputs: [{ type: "during" }, { type: "during", delivery: NEXT_TICK }]) { seq } }`;
    expect((await post(ONE)).body.errors).toBeUndefined();
    const before = await stored();

    await redis.kill();
    try {
      for (const q of [ONE, MANY]) {
        const down = await post(q);
        expect(down.status).toBe(503);
        expect(down.body.errors?.[0]?.extensions).toEqual({ code: "SERVICE_UNAVAILABLE", retryAfterMs: 1000 });
        expect(down.body.errors?.[0]?.message).toMatch(/unavailable for a moment/);
      }
      expect(await stored()).toBe(before);
      const ready = await fetch(`${s.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks["bus"]).not.toBe("ok");
      const c = connectWs(s.url, token);
      const closed = await c.closed;
      expect(closed.code).toBe(1013);
      expect(closed.reason).toMatch(/unavailable: try again/);
    } finally {
      await redis.start();
    }
    await waitUntil("publishing to work again", async () => (await post(ONE)).status === 200, 20_000);
    expect(await stored()).toBe(before + 1);
    const c = connectWs(s.url, token);
    try {
      await c.connected;
    } finally {
      await c.dispose();
    }
  });
});
