// The driver's side of the load workers: starts them (each a process of its own, with the
// open-files limit raised), sends them commands and gathers their answers.
import { startNode, type Proc } from "../lib/processes.ts";
import type { Args, Reply, Results } from "./protocol.ts";

export interface Worker {
  index: number;
  proc: Proc;
  /** The local address its sockets bind to: a loopback address of its own, so ephemeral ports never run out. */
  localAddress: string;
  send<C extends keyof Args>(cmd: C, args: Args[C]): Promise<Results[C]>;
}

let addresses = 0;

/** A fresh 127.0.x.y for each worker ever started in this run (TIME_WAIT ports stay with the old ones). */
function nextLocalAddress(): string {
  addresses++;
  return `127.0.${1 + Math.floor(addresses / 250)}.${1 + (addresses % 250)}`;
}

export class WorkerPool {
  private constructor(readonly workers: Worker[]) {}

  /** Starts `n` workers and waits until each is ready. */
  static async start(n: number, name = "load"): Promise<WorkerPool> {
    const workers = await Promise.all(Array.from({ length: n }, (_, i) => startWorker(`${name}-${i}`, i)));
    return new WorkerPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** The same command to every worker (`args` per worker index), all answers. */
  all<C extends keyof Args>(cmd: C, args: (w: Worker) => Args[C]): Promise<Results[C][]> {
    return Promise.all(this.workers.map((w) => w.send(cmd, args(w))));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.proc.stop(5_000)));
  }
}

async function startWorker(name: string, index: number): Promise<Worker> {
  const proc = startNode(
    name,
    "bench/load/worker.ts",
    { ...process.env },
    { ipc: true, nodeArgs: ["--max-old-space-size=4096"] },
  );
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 1;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  proc.child.on("message", (m: Reply) => {
    if (m.id === 0) return ready();
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.result);
    else w?.reject(new Error(`${name}: ${m.error}`));
  });
  void proc.exited.then((code) => {
    for (const w of waiting.values())
      w.reject(new Error(`${name} exited (${String(code)}):\n${proc.output().slice(-2000)}`));
    waiting.clear();
  });
  await Promise.race([
    isReady,
    proc.exited.then((code) => {
      throw new Error(`${name} exited (${String(code)}) before it was ready:\n${proc.output()}`);
    }),
  ]);
  return {
    index,
    proc,
    localAddress: nextLocalAddress(),
    send(cmd, args) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.child.send({ id, cmd, args });
      });
    },
  };
}
