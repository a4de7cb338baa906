// The tick barrier across nodes: the leader runs on one node, and the game hears its ticks on
// and reports them (completeTick) to the other, so the leader learns of each report through
// Redis only. With a long TICK_BARRIER_MS, a report the leader missed would hold a tick for
// seconds and name the game late; instead each tick starts as soon as the game reported.
import { afterAll, beforeAll, describe, it } from "vitest";
import { canCluster, startCluster, type Cluster, type ClusterNode } from "../support/cluster.ts";
import { must, realmInput, REGISTER_GAME } from "../support/fixtures.ts";
import { gql } from "../support/graphql.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { expectSteppingGame, hearTicks } from "../support/ticks.ts";
import { connectWs, type TestWsClient } from "../support/ws.ts";

const BARRIER_MS = 3000;
const COMPLETE = `mutation($n: Int64!) { completeTick(number: $n) }`;
type CurrentTick = { eventLog: { currentTick: string } };

describe.skipIf(!canCluster())("the tick barrier across two nodes", () => {
  let c: Cluster;
  let leader: ClusterNode;
  let other: ClusterNode;
  const sockets: TestWsClient[] = [];
  const connect = async (node: ClusterNode, credential: string) => {
    const ws = connectWs(node.url, credential);
    sockets.push(ws);
    await ws.connected;
    return ws;
  };

  beforeAll(async () => {
    // Only the first node may lead the tick; the game talks to the second.
    c = await startCluster(1, { TICK_HZ: "10", TICK_BARRIER_MS: String(BARRIER_MS) });
    leader = c.nodes[0]!;
    other = await c.addNode({ TICK_HZ: "0" });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((ws) => ws.dispose()));
    await c?.stop();
  });

  it("a game reporting to another node than the leader's holds each tick only until it reported", async () => {
    const input = { id: "far-game", name: "Far game", developerName: "Ops", realm: realmInput() };
    const { registerGame } = must(
      await gql<{ registerGame: { apiKey: string } }>(leader.url, REGISTER_GAME, { input }, TEST_ADMIN_TOKEN),
    );
    const key = registerGame.apiKey;
    // Everything the game does goes to the other node.
    const ask = async <T>(query: string, variables: Record<string, unknown> = {}) =>
      must(await gql<T>(other.url, query, variables, key));
    await expectSteppingGame({
      ws: await connect(other, key),
      complete: (n) => gql(other.url, COMPLETE, { n: n.toString() }, key),
      optIn: () => ask(`mutation { updateGame(id: "far-game", input: { tickBarrier: true }) { id } }`),
      currentTick: async () => BigInt((await ask<CurrentTick>(`{ eventLog { currentTick } }`)).eventLog.currentTick),
      ticks: hearTicks(await connect(leader, TEST_ADMIN_TOKEN)),
      barrierMs: BARRIER_MS,
    });
  });
});
