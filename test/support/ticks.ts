import type { ServerProcess } from "./process.ts";

/** The nodeId a server process logged when it took the tick lease. */
export async function leadingNodeId(proc: ServerProcess, timeoutMs?: number): Promise<string> {
  const [line] = await proc.waitFor(/^.*"tick: now leading".*$/m, timeoutMs);
  return (JSON.parse(line) as { nodeId: string }).nodeId;
}

export interface Arrival<T> {
  value: T;
  at: number;
}

/** Values arriving from some source, each stamped with Date.now(), with a way to wait for one. */
export class Arrivals<T> {
  readonly list: Arrival<T>[] = [];
  readonly #waiters: { match: (a: Arrival<T>) => boolean; resolve: (a: Arrival<T>) => void }[] = [];

  add(value: T): void {
    const a = { value, at: Date.now() };
    this.list.push(a);
    for (const w of [...this.#waiters]) {
      if (w.match(a)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(a);
      }
    }
  }

  /** The first arrival (already here or to come) that `match`es. */
  first(match: (a: Arrival<T>) => boolean): Promise<Arrival<T>> {
    const found = this.list.find(match);
    return found ? Promise.resolve(found) : new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }
}
