// The baseline servers (bench/baselines/*), each in a process of its own, and how to publish to them.
import { startNode, type Proc } from "./processes.ts";

export type PeerKind = "ws" | "graphql-ws" | "colyseus";

export interface Peer {
  kind: PeerKind;
  proc: Proc;
  /** Where the subscribers connect. */
  url: string;
  /** Broadcasts `data` (an object with `k` and `sentAt`) to every subscriber. */
  publish(data: object): Promise<void>;
  stop(): Promise<void>;
}

const SCRIPTS: Record<PeerKind, string> = {
  ws: "bench/baselines/ws-server.ts",
  "graphql-ws": "bench/baselines/graphql-ws-server.ts",
  colyseus: "bench/baselines/colyseus-server.ts",
};

export async function startPeer(kind: PeerKind): Promise<Peer> {
  const proc = startNode(`peer-${kind}`, SCRIPTS[kind], { ...process.env, NODE_ENV: "production" });
  let info: { url: string; control: string };
  try {
    info = JSON.parse((await proc.waitFor(/READY (\{.*\})/, 60_000))[1]!) as { url: string; control: string };
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const publish = async (data: object) => {
    const body =
      kind === "graphql-ws"
        ? JSON.stringify({ query: "mutation($d: JSON!) { publish(data: $d) }", variables: { d: data } })
        : JSON.stringify(data);
    const res = await fetch(kind === "colyseus" ? `${info.control}/publish` : info.control, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const text = await res.text();
    if (!res.ok || text.includes('"errors"')) throw new Error(`${kind} publish: ${res.status} ${text.slice(0, 200)}`);
  };
  return { kind, proc, url: info.url, publish, stop: () => proc.stop(5_000) };
}
