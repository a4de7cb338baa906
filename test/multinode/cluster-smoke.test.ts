import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster } from "../support/cluster.ts";
import { gql } from "../support/graphql.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { connectWs, subscribe } from "../support/ws.ts";

describe.skipIf(!canCluster())("two nodes", () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster(2, { TICK_HZ: "10" });
  });
  afterAll(() => c?.stop());

  it("an event published on node A reaches a subscriber on node B", async () => {
    const [a, b] = c.nodes;
    const ws = connectWs(b!.url, TEST_ADMIN_TOKEN);
    await ws.connected;
    const sub = subscribe<{ events: { seq: string; type: string } }>(ws, `subscription { events { seq type } }`);
    // Live once a tick from the leader (on either node) reached B: the feed is subscribed.
    const ticks = subscribe<{ ticks: { number: string } }>(ws, `subscription { ticks { number } }`);
    await ticks.received(1);
    const r = await gql<{ publishEvent: { seq: string } }>(
      a!.url,
      `mutation { publishEvent(input: { type: "cross-node" }) { seq } }`,
      {},
      TEST_ADMIN_TOKEN,
    );
    const [got] = await sub.received(1);
    expect(got!.events).toEqual({ seq: r.data!.publishEvent.seq, type: "cross-node" });
    await ws.dispose();
  });

  it("rotating a game's key through node A ends the game's connection on node B", async () => {
    const [a, b] = c.nodes;
    const registered = await gql<{ registerGame: { apiKey: string } }>(
      a!.url,
      `mutation { registerGame(input: { id: "rotate-across", name: "Rotate Across", developerName: "Dev",
        realm: { name: "R", realmType: "forest", adjacency: "north", resonance: "arcane" } }) { apiKey } }`,
      {},
      TEST_ADMIN_TOKEN,
    );
    const ws = connectWs(b!.url, registered.data!.registerGame.apiKey);
    await ws.connected;
    const rotated = await gql(
      a!.url,
      `mutation { rotateGameKey(id: "rotate-across") { apiKey } }`,
      {},
      TEST_ADMIN_TOKEN,
    );
    expect(rotated.errors).toBeUndefined();
    expect((await ws.closed).code).toBe(4011);
  });
});
