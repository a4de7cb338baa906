// The `games` subscription across two real processes: a change made through either node reaches
// watchers on both, and the tick leader's health chore (whichever node leads) reports a game
// whose heartbeats stopped as STALE, and its next heartbeat, on the other node, as HEALTHY.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCluster, startCluster, type Cluster } from "../support/cluster.ts";
import { gql } from "../support/graphql.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";
import { connectWs, subscribe, type TestSubscription, type TestWsClient } from "../support/ws.ts";
import { waitUntil } from "../support/wait.ts";

const GAMES = `subscription { games { kind game { id status stale version } games { id } } }`;
interface Msg {
  games: {
    kind: string;
    game: { id: string; status: string; stale: boolean; version: string } | null;
    games: { id: string }[] | null;
  };
}

async function call<T>(url: string, credential: string, query: string, variables: Record<string, unknown> = {}) {
  const r = await gql<T>(url, query, variables, credential);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!;
}

describe.skipIf(!canCluster())("the games subscription across two nodes", () => {
  let c: Cluster;
  const open: TestWsClient[] = [];

  beforeAll(async () => {
    c = await startCluster(2, { TICK_HZ: "10", GAME_STALE_SECONDS: "1" });
  });
  afterAll(async () => {
    await Promise.all(open.map((x) => x.dispose()));
    await c?.stop();
  });

  async function watch(url: string, credential: string): Promise<TestSubscription<Msg>> {
    const ws = connectWs(url, credential);
    open.push(ws);
    await ws.connected;
    const sub = subscribe<Msg>(ws, GAMES);
    await sub.received(1); // the snapshot: listening from here on
    return sub;
  }
  /** The kinds of game `id`'s changes `sub` received. */
  const kinds = (sub: TestSubscription<Msg>, id: string) =>
    sub.values.flatMap((m) => (m.games.game?.id === id ? [m.games.kind] : []));

  it("reaches watchers on both nodes, health changes from the tick leader included", async () => {
    const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]];
    const dev = await call<{ createDeveloper: { key: string } }>(
      a.url,
      TEST_ADMIN_TOKEN,
      `mutation { createDeveloper(input: { name: "Ada" }) { key } }`,
    );
    const devKey = dev.createDeveloper.key;
    const onA = await watch(a.url, TEST_ADMIN_TOKEN);
    const onB = await watch(b.url, devKey);
    const both = (what: string, expected: string[]) =>
      waitUntil(
        what,
        () => kinds(onA, "orbit").length >= expected.length && kinds(onB, "orbit").length >= expected.length,
        15_000,
      ).then(() => {
        expect(kinds(onA, "orbit")).toEqual(expected);
        expect(kinds(onB, "orbit")).toEqual(expected);
      });

    // Registered through B: the admin on A hears it.
    const reg = await call<{ registerGame: { apiKey: string } }>(
      b.url,
      devKey,
      `mutation { registerGame(input: { id: "orbit", name: "Orbit",
         realm: { name: "R", realmType: "t", adjacency: "a", resonance: "r" } }) { apiKey } }`,
    );
    await both("REGISTERED on both nodes", ["REGISTERED"]);
    // Paused through A: the developer on B hears it.
    await call(a.url, TEST_ADMIN_TOKEN, `mutation { setGameStatus(id: "orbit", status: PAUSED) { id } }`);
    await both("STATUS_CHANGED on both nodes", ["REGISTERED", "STATUS_CHANGED"]);

    // One heartbeat, then silence: the leader's chore (every 10 s) finds it stale after 1 s.
    const key = reg.registerGame.apiKey;
    await call(a.url, key, `mutation { heartbeat { id } }`);
    await both("STALE on both nodes", ["REGISTERED", "STATUS_CHANGED", "STALE"]);
    await call(b.url, key, `mutation { heartbeat { id } }`);
    await both("HEALTHY on both nodes", ["REGISTERED", "STATUS_CHANGED", "STALE", "HEALTHY"]);

    const last = (sub: TestSubscription<Msg>) => sub.values.at(-1)!.games.game;
    expect(last(onA)).toEqual({ id: "orbit", status: "PAUSED", stale: false, version: "4" });
    expect(last(onB)).toEqual(last(onA));
  }, 60_000);
});
