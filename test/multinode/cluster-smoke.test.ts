import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster } from "../support/cluster.ts";
import { gql } from "../support/graphql.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { waitUntil } from "../support/wait.ts";
import { connectWs, subscribe } from "../support/ws.ts";

/** Registers game `id` through the node at `url`; its API key. */
async function register(url: string, id: string): Promise<string> {
  const r = await gql<{ registerGame: { apiKey: string } }>(
    url,
    `mutation($id: String!) { registerGame(input: { id: $id, name: $id, developerName: "Dev",
      realm: { name: "R", realmType: "forest", adjacency: "north", resonance: "arcane" } }) { apiKey } }`,
    { id },
    TEST_ADMIN_TOKEN,
  );
  return r.data!.registerGame.apiKey;
}

/** Rotates game `id`'s key through the node at `url`. */
async function rotate(url: string, id: string): Promise<void> {
  const r = await gql(url, `mutation($id: ID!) { rotateGameKey(id: $id) { apiKey } }`, { id }, TEST_ADMIN_TOKEN);
  expect(r.errors).toBeUndefined();
}

describe.skipIf(!canCluster())("two nodes", () => {
  let c: Cluster;
  beforeAll(async () => {
    // Credentials remembered far longer than any test waits: a refusal on the other node can
    // only come from its hearing the rotation.
    c = await startCluster(2, { TICK_HZ: "10", CREDENTIAL_CACHE_SECONDS: "300" });
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
    const ws = connectWs(b!.url, await register(a!.url, "rotate-across"));
    await ws.connected;
    await rotate(a!.url, "rotate-across");
    expect((await ws.closed).code).toBe(4011);
  });

  it("a key rotated through node A is refused over HTTP by node B, which had it remembered", async () => {
    const [a, b] = c.nodes;
    const old = await register(a!.url, "rotate-http");
    const asOld = (url: string) => gql<{ game: { id: string } }>(url, `{ game(id: "rotate-http") { id } }`, {}, old);
    expect((await asOld(b!.url)).data?.game.id).toBe("rotate-http"); // B remembers the key now
    await rotate(a!.url, "rotate-http");
    // A forgot it before answering; B as soon as it hears the rotation over Redis.
    expect((await asOld(a!.url)).errors?.[0]?.extensions?.["code"]).toBe("UNAUTHENTICATED");
    await waitUntil(
      "node B to refuse the old key",
      async () => (await asOld(b!.url)).errors?.[0]?.extensions?.["code"] === "UNAUTHENTICATED",
    );
  });
});
