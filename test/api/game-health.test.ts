// Game health: a game that sent heartbeats and none for GAME_STALE_SECONDS is stale (Game.stale,
// and the multiverse_games_stale gauge the tick leader keeps), and healthy again on its next
// heartbeat; a game that never sent one is not stale. Time is moved by writing an older
// heartbeat into Postgres, not by waiting.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { must, registerGame } from "../support/fixtures.ts";
import { metricValue } from "../support/metrics.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";

describe("game health", () => {
  let s: TestServer;
  let game: { id: string; apiKey: string };

  beforeAll(async () => {
    // A ticking leader runs the chore that counts stale games (every 10 s; the first at once).
    s = await startTestServer({ GAME_STALE_SECONDS: "30", TICK_HZ: "10" });
    game = await registerGame(s, TEST_ADMIN_TOKEN, "beating", { developerName: "Health" });
    await registerGame(s, TEST_ADMIN_TOKEN, "silent", { developerName: "Health" });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const staleOf = async (id: string) =>
    must(
      await s.gql<{ game: { stale: boolean } }>(
        `query($id: ID!) { game(id: $id) { stale } }`,
        { id },
        TEST_ADMIN_TOKEN,
      ),
    ).game.stale;
  const heartbeatAgo = (id: string, seconds: number) =>
    s.app.services.prisma.game.update({
      where: { id },
      data: { lastHeartbeatAt: new Date(Date.now() - seconds * 1000) },
    });

  it("is healthy while heartbeats come, stale after GAME_STALE_SECONDS without one, healthy again on the next", async () => {
    must(await s.gql(`mutation { heartbeat { id } }`, {}, game.apiKey));
    expect(await staleOf("beating")).toBe(false);
    await heartbeatAgo("beating", 29);
    expect(await staleOf("beating")).toBe(false);
    await heartbeatAgo("beating", 31);
    expect(await staleOf("beating")).toBe(true);
    expect(await staleOf("silent")).toBe(false); // never sent one: nothing to go stale
    must(await s.gql(`mutation { heartbeat { id } }`, {}, game.apiKey));
    expect(await staleOf("beating")).toBe(false);
  });

  it("counts the active stale games in multiverse_games_stale", async () => {
    await heartbeatAgo("beating", 120);
    await waitUntil(
      "the gauge to count the stale game",
      async () => (await metricValue(s.url, "multiverse_games_stale")) === 1,
      15_000,
    );
    // Paused games are not counted: their silence is expected.
    must(await s.gql(`mutation { setGameStatus(id: "beating", status: PAUSED) { id } }`, {}, TEST_ADMIN_TOKEN));
    await waitUntil(
      "the gauge to drop the paused game",
      async () => (await metricValue(s.url, "multiverse_games_stale")) === 0,
      15_000,
    );
  });
});
