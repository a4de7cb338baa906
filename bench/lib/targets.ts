// The servers a broadcast is measured on, each ready for bench/lib/broadcast.ts: Multiverse
// (one or more nodes, subscribers as players of one game) and the peers.
import { existsSync } from "node:fs";
import type { BroadcastTarget } from "./broadcast.ts";
import type { ConnectArgs } from "../load/protocol.ts";
import {
  ADMIN,
  playerTokens,
  publishBroadcast,
  registerGame,
  seedPlayers,
  startCluster,
  type Cluster,
} from "./multiverse.ts";
import { startPeer } from "./peers.ts";
import { ROOT } from "./processes.ts";

export const EVENTS_SUBSCRIPTION = "subscription { events { seq data } }";

/**
 * Who the fan-out subscribers are on Multiverse. Players of one game would be the realistic
 * case, but today each player connection reads the game's whole online set when it opens, so
 * connecting N players costs O(N²): growing from 5,000 to 10,000 took 335 s here (2026-12-02), beyond the suite's
 * time budget. The admin sees every event with no per-player bookkeeping; set
 * BENCH_SUBSCRIBE_AS=players to measure players.
 */
export const SUBSCRIBE_AS: "admin" | "players" = process.env["BENCH_SUBSCRIBE_AS"] === "players" ? "players" : "admin";

/** A broadcast target with the pid of its (first) server process, and how to stop it. */
export type StoppableTarget = BroadcastTarget & { pid: number; stop(): Promise<void> };

export const colyseusAvailable = (): boolean => existsSync(`${ROOT}/bench/node_modules/@colyseus/core/package.json`);

/**
 * Multiverse with `nodes` processes; worker i connects to node i mod nodes, and event i is
 * published through node i mod nodes. Subscribers are players of one game (`maxN` seeded in the
 * database, each connecting with its own player token), or with `as: "admin"` the admin token
 * (no presence: what a connection costs without the player's online bookkeeping).
 */
export async function multiverseTarget(
  nodes: number,
  maxN: number,
  o: { as?: "players" | "admin"; env?: Record<string, string> } = {},
): Promise<StoppableTarget & { cluster: Cluster }> {
  const cluster = await startCluster(nodes, o.env);
  try {
    const url = cluster.nodes[0]!.url;
    let payloads: (offset: number, count: number) => ConnectArgs["payloads"];
    if (o.as === "admin") {
      payloads = () => ({ authorization: `Bearer ${ADMIN}` });
    } else {
      await registerGame(url, "fan");
      const tokens = await playerTokens("fan", await seedPlayers(cluster.dbUrl, "fan", maxN));
      payloads = (offset, count) => tokens.slice(offset, offset + count).map((t) => ({ authorization: `Bearer ${t}` }));
    }
    return {
      name: nodes === 1 ? "multiverse" : `multiverse x${nodes}`,
      cluster,
      pid: cluster.nodes[0]!.proc.pid,
      connectArgs: (offset, count, worker) => ({
        kind: "graphql-ws",
        url: cluster.nodes[worker % nodes]!.wsUrl,
        payloads: payloads(offset, count),
        count,
        subscribe: { query: EVENTS_SUBSCRIPTION },
        mode: "events",
      }),
      publish: (data, i) => publishBroadcast(cluster.nodes[i % nodes]!.url, data),
      stop: () => cluster.stop(),
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

export async function broadcastTargetsFor(
  name: "multiverse" | "ws" | "graphql-ws" | "colyseus",
  maxN: number,
): Promise<StoppableTarget> {
  if (name === "multiverse") return multiverseTarget(1, maxN, { as: SUBSCRIBE_AS });
  const peer = await startPeer(name);
  return {
    name,
    pid: peer.proc.pid,
    connectArgs: (_offset, count) => ({
      kind: name === "colyseus" ? "colyseus" : "graphql-ws",
      url: peer.url,
      payloads: null,
      count,
      subscribe: { query: EVENTS_SUBSCRIPTION },
      mode: "events",
    }),
    publish: (data) => peer.publish(data),
    stop: () => peer.stop(),
  };
}
