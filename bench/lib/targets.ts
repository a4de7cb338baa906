// The servers a broadcast is measured on, each ready for bench/lib/broadcast.ts: Multiverse
// (one or more nodes, subscribers as players of one game) and the peers.
import { existsSync } from "node:fs";
import type { BroadcastTarget } from "./broadcast.ts";
import { playerTokens, publishBroadcast, registerGame, seedPlayers, startCluster, type Cluster } from "./multiverse.ts";
import { startPeer } from "./peers.ts";
import { ROOT } from "./processes.ts";

export const EVENTS_SUBSCRIPTION = "subscription { events { seq data } }";

/** A broadcast target with the pid of its (first) server process, and how to stop it. */
export type StoppableTarget = BroadcastTarget & { pid: number; stop(): Promise<void> };

export const colyseusAvailable = (): boolean => existsSync(`${ROOT}/bench/node_modules/@colyseus/core/package.json`);

/**
 * Multiverse with `nodes` processes: `maxN` players of one game seeded in the database, each
 * subscriber one of them (its own player token); worker i connects to node i mod nodes, and
 * event i is published through node i mod nodes.
 */
export async function multiverseTarget(
  nodes: number,
  maxN: number,
  env: Record<string, string> = {},
): Promise<StoppableTarget & { cluster: Cluster }> {
  const cluster = await startCluster(nodes, env);
  try {
    const url = cluster.nodes[0]!.url;
    await registerGame(url, "fan");
    const ids = await seedPlayers(cluster.dbUrl, "fan", maxN);
    const tokens = await playerTokens("fan", ids);
    return {
      name: nodes === 1 ? "multiverse" : `multiverse x${nodes}`,
      cluster,
      pid: cluster.nodes[0]!.proc.pid,
      connectArgs: (offset, count, worker) => ({
        kind: "graphql-ws",
        url: cluster.nodes[worker % nodes]!.wsUrl,
        payloads: tokens.slice(offset, offset + count).map((t) => ({ authorization: `Bearer ${t}` })),
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
  if (name === "multiverse") return multiverseTarget(1, maxN);
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
