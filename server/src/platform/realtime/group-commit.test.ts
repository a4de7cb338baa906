// GroupCommit: items submitted while a flush runs go together in the next one; at most
// `concurrency` flushes run at once (one by default); each caller gets its own item's outcome.
import { describe, expect, it } from "vitest";
import { GroupCommit, type Outcome } from "./group-commit.ts";

/** A flush the test finishes by hand: each call is recorded with its items, and waits for `finish`. */
function manualFlush() {
  const calls: { items: number[]; finish: () => void }[] = [];
  let running = 0;
  let most = 0;
  const flush = (items: number[]) =>
    new Promise<Outcome<number>[]>((resolve) => {
      running++;
      most = Math.max(most, running);
      calls.push({
        items,
        finish: () => {
          running--;
          resolve(
            items.map((i) => (i < 0 ? { ok: false, error: new Error(`bad ${i}`) } : { ok: true, value: i * 10 })),
          );
        },
      });
    });
  return { flush, calls, most: () => most };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe("GroupCommit", () => {
  it("flushes the first item at once, and everything that queued meanwhile in one next flush", async () => {
    const m = manualFlush();
    const gc = new GroupCommit<number, number>({ flush: m.flush, maxWeight: 100 });
    const first = gc.submit(1);
    const rest = [gc.submit(2), gc.submit(-3), gc.submit(4)];
    expect(m.calls.map((c) => c.items)).toEqual([[1]]);
    expect(gc.waiting).toBe(3);
    m.calls[0]!.finish();
    expect(await first).toBe(10);
    await settle();
    expect(m.calls.map((c) => c.items)).toEqual([[1], [2, -3, 4]]);
    m.calls[1]!.finish();
    const outcomes = await Promise.allSettled(rest);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : String(o.reason)))).toEqual([
      20,
      "Error: bad -3",
      40,
    ]);
    expect(m.most()).toBe(1);
  });

  it("runs up to `concurrency` flushes at once, never more, and answers every item", async () => {
    const m = manualFlush();
    const gc = new GroupCommit<number, number>({ flush: m.flush, maxWeight: 100, concurrency: 3 });
    const answers = [1, 2, 3, 4, 5, 6].map((i) => gc.submit(i));
    // Three flushes started, one item each; the rest wait for a free one.
    expect(m.calls.map((c) => c.items)).toEqual([[1], [2], [3]]);
    expect(gc.waiting).toBe(3);
    m.calls[1]!.finish();
    await settle();
    expect(m.calls.map((c) => c.items)).toEqual([[1], [2], [3], [4, 5, 6]]);
    for (const c of m.calls) if (c !== m.calls[1]) c.finish();
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(m.most()).toBe(3);
  });

  it("a batch stops before maxWeight", async () => {
    const m = manualFlush();
    const gc = new GroupCommit<number, number>({ flush: m.flush, maxWeight: 2 });
    const answers = [1, 2, 3, 4, 5].map((i) => gc.submit(i));
    for (let n = 0; n < 3; n++) {
      m.calls[n]!.finish();
      await settle();
    }
    expect(m.calls.map((c) => c.items)).toEqual([[1], [2, 3], [4, 5]]);
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50]);
  });
});
