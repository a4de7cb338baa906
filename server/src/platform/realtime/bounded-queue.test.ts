// BoundedQueue, the buffer between a bus handler and one subscriber: it never makes the producer
// wait, holds at most `capacity` items, and fails (dropping everything) one item past that.
import { describe, expect, it } from "vitest";
import { BoundedQueue, ByteBudget, QueueOverflowError } from "./bounded-queue.ts";

/** Everything the queue yields until it ends; the error it ends with, if any. */
async function drain<T>(q: BoundedQueue<T>): Promise<{ items: T[]; error?: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of q) items.push(item);
    return { items };
  } catch (error) {
    return { items, error };
  }
}

describe("BoundedQueue", () => {
  it("hands items over in order, and ends after close once they are taken", async () => {
    const q = new BoundedQueue<number>(3);
    expect([q.push(1), q.push(2), q.push(3)]).toEqual([true, true, true]);
    expect(q.size).toBe(3);
    q.close();
    expect(q.push(4)).toBe(false);
    expect(await drain(q)).toEqual({ items: [1, 2, 3] });
  });

  it("wakes a consumer that waits for the next item", async () => {
    const q = new BoundedQueue<string>(2);
    const it = q[Symbol.asyncIterator]();
    const next = it.next();
    q.push("a");
    expect(await next).toEqual({ value: "a", done: false });
  });

  it("holds exactly capacity items; one more fails the queue, drops them, and calls onOverflow once", async () => {
    let overflows = 0;
    const q = new BoundedQueue<number>(2, { onOverflow: () => overflows++ });
    expect(q.push(1)).toBe(true);
    expect(q.push(2)).toBe(true);
    expect(q.push(3)).toBe(false);
    expect(q.push(4)).toBe(false); // failed already: no second overflow
    expect(overflows).toBe(1);
    expect(q.size).toBe(0);
    const { items, error } = await drain(q);
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(QueueOverflowError);
    expect(error).toMatchObject({ name: "QueueOverflowError", message: "more than 2 items waiting" });
  });

  it("fail ends the iteration with the first error given, and wakes a waiting consumer", async () => {
    const q = new BoundedQueue<number>(5);
    const pending = drain(q);
    q.fail(new Error("first"));
    q.fail(new Error("second"));
    expect(q.push(1)).toBe(false);
    const { error } = await pending;
    expect((error as Error).message).toBe("first");
  });

  it("ends when its signal aborts, and at once when the signal was aborted already", async () => {
    const controller = new AbortController();
    const q = new BoundedQueue<number>(5, { signal: controller.signal });
    q.push(1);
    const pending = drain(q);
    controller.abort();
    expect(await pending).toEqual({ items: [1] });
    expect(q.push(2)).toBe(false);

    const done = new BoundedQueue<number>(5, { signal: AbortSignal.abort() });
    expect(done.push(1)).toBe(false);
    expect(await drain(done)).toEqual({ items: [] });
  });

  it("queues sharing a byte budget hold what it allows together; the one that passes it overflows alone", async () => {
    const budget = new ByteBudget(100);
    const weigh = (s: string) => s.length;
    const overflowed: string[] = [];
    const a = new BoundedQueue<string>(10, { budget, weigh, onOverflow: () => overflowed.push("a") });
    const b = new BoundedQueue<string>(10, { budget, weigh, onOverflow: () => overflowed.push("b") });
    expect(a.push("x".repeat(60))).toBe(true);
    expect(b.push("y".repeat(30))).toBe(true);
    expect(budget.used).toBe(90);
    // Taking gives the weight back: b has room again.
    expect(a.take()).toBe("x".repeat(60));
    expect(budget.used).toBe(30);
    expect(b.push("y".repeat(70))).toBe(true);
    expect(a.push("z")).toBe(false);
    expect(overflowed).toEqual(["a"]);
    expect((await drain(a)).error).toMatchObject({ message: "more than 100 bytes waiting on the connection" });
    // b is untouched; dropping it (its consumer left) gives back what it held.
    expect(budget.used).toBe(100);
    b.drop();
    expect(budget.used).toBe(0);
    expect(b.push("w")).toBe(true);
  });
});
