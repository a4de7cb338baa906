// Room events across two real server processes: a player says something in its room through
// node A; the players in that room hear it on whichever node they are connected to, a player in
// another room of the same game does not, and neither does a player who entered afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster, type ClusterNode } from "../support/cluster.ts";
import { must } from "../support/fixtures.ts";
import { gql } from "../support/graphql.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { connectWs, subscribe, type TestSubscription, type TestWsClient } from "../support/ws.ts";
import { waitUntil } from "../support/wait.ts";

const EVENTS = `subscription($since: Int64) { events(since: $since) { seq type data } }`;
type Msg = { events: { seq: string; type: string; data: { text?: string } } };

describe.skipIf(!canCluster())("room events on two nodes", () => {
  let c: Cluster;
  let a: ClusterNode;
  let b: ClusterNode;
  const sockets: TestWsClient[] = [];
  const call = async <T>(node: ClusterNode, query: string, vars: Record<string, unknown>, cred: string) =>
    must(await gql<T>(node.url, query, vars, cred));

  beforeAll(async () => {
    c = await startCluster(2, { TICK_HZ: "0" });
    [a, b] = c.nodes as [ClusterNode, ClusterNode];
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await c?.stop();
  });

  it("reaches the room's players on either node, and no one else, live and on replay", async () => {
    const { registerGame: reg } = await call<{
      registerGame: { apiKey: string; game: { realms: { id: string }[] } };
    }>(
      a,
      `mutation { registerGame(input: { id: "inn", name: "Inn", developerName: "Ida", playerEventTypes: ["chat.say"],
        realm: { name: "Town", realmType: "town", adjacency: "east", resonance: "mundane" } }) {
        apiKey game { realms { id } } } }`,
      {},
      TEST_ADMIN_TOKEN,
    );
    const key = reg.apiKey;
    const room = async (name: string) =>
      (
        await call<{ createRoom: { id: string } }>(
          a,
          `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }`,
          { i: { realmId: reg.game.realms[0]!.id, name } },
          key,
        )
      ).createRoom.id;
    const [hall, cellar] = [await room("Hall"), await room("Cellar")];
    const player = async (name: string, roomId: string) => {
      const { upsertPlayer } = await call<{ upsertPlayer: { id: string } }>(
        b,
        `mutation($i: UpsertPlayerInput!) { upsertPlayer(input: $i) { id } }`,
        { i: { externalId: name, displayName: name } },
        key,
      );
      await call(
        a,
        `mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id } }`,
        { p: upsertPlayer.id, r: roomId },
        key,
      );
      const { issuePlayerToken } = await call<{ issuePlayerToken: { token: string } }>(
        a,
        `mutation($p: ID!) { issuePlayerToken(playerId: $p) { token } }`,
        { p: upsertPlayer.id },
        key,
      );
      return { id: upsertPlayer.id, token: issuePlayerToken.token };
    };
    const ann = await player("ann", hall);
    const bob = await player("bob", hall);
    const cat = await player("cat", cellar);
    const watch = async (node: ClusterNode, token: string, since?: string): Promise<TestSubscription<Msg>> => {
      const ws = connectWs(node.url, token);
      sockets.push(ws);
      await ws.connected;
      return subscribe<Msg>(ws, EVENTS, since ? { since } : {});
    };
    const say = (node: ClusterNode, token: string, text: string) =>
      call<{ publishEvent: { seq: string } }>(
        node,
        `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`,
        { i: { type: "chat.say", targetRoomId: hall, data: { text } } },
        token,
      );
    /** Sends `who` a marker through node A and waits until `sub` has it: then `sub` caught up. */
    const caughtUp = async (sub: TestSubscription<Msg>, who: string, label: string) => {
      const { publishEvent } = await call<{ publishEvent: { seq: string } }>(
        a,
        `mutation($i: PublishEventInput!) { publishEvent(input: $i) { seq } }`,
        { i: { type: `marker.${label}`, targetPlayerId: who } },
        TEST_ADMIN_TOKEN,
      );
      await waitUntil(`${label} reached its player`, () => sub.values.some((m) => m.events.seq === publishEvent.seq));
    };
    const said = (sub: TestSubscription<Msg>) =>
      sub.values.filter((m) => m.events.type === "chat.say").map((m) => m.events.data.text);

    // Ann listens on B, Bob on A, Cat (another room) on B; each live once its marker arrived.
    const annSub = await watch(b, ann.token);
    const bobSub = await watch(a, bob.token);
    const catSub = await watch(b, cat.token);
    await caughtUp(annSub, ann.id, "ann-live");
    await caughtUp(bobSub, bob.id, "bob-live");
    await caughtUp(catSub, cat.id, "cat-live");

    await say(a, ann.token, "hello from A");
    await say(b, bob.token, "hello from B");
    await call(
      a,
      `mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id } }`,
      { p: cat.id, r: hall },
      key,
    );
    await say(a, ann.token, "welcome, cat");
    await caughtUp(annSub, ann.id, "ann-end");
    await caughtUp(bobSub, bob.id, "bob-end");
    await caughtUp(catSub, cat.id, "cat-end");

    expect(said(annSub)).toEqual(["hello from A", "hello from B", "welcome, cat"]);
    expect(said(bobSub)).toEqual(["hello from A", "hello from B", "welcome, cat"]);
    expect(said(catSub)).toEqual(["welcome, cat"]);

    // Replayed on the other node from the start: the same, for each.
    const catReplay = await watch(a, cat.token, "0");
    const bobReplay = await watch(b, bob.token, "0");
    await caughtUp(catReplay, cat.id, "cat-replay");
    await caughtUp(bobReplay, bob.id, "bob-replay");
    expect(said(catReplay)).toEqual(["welcome, cat"]);
    expect(said(bobReplay)).toEqual(["hello from A", "hello from B", "welcome, cat"]);
  });
});
