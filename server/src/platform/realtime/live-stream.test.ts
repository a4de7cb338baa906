// liveStream gives back what its queue held against the connection's byte budget when the
// consumer leaves, so a connection's other subscriptions keep the whole budget.
import { describe, expect, it } from "vitest";
import { ByteBudget } from "./bounded-queue.ts";
import { liveStream } from "./live-stream.ts";

describe("liveStream", () => {
  it("gives the budget back for what was still waiting when the consumer leaves", async () => {
    const budget = new ByteBudget(1000);
    let push!: (item: string) => void;
    let stopped = false;
    const stream = liveStream<string>(
      (p) => {
        push = p;
        return () => (stopped = true);
      },
      { capacity: 10, budget, weigh: (s) => s.length },
    );
    const first = stream.next(); // starts listening
    push("a".repeat(100));
    expect(await first).toEqual({ value: "a".repeat(100), done: false });
    push("b".repeat(200));
    push("c".repeat(300));
    expect(budget.used).toBe(500); // two waiting
    await stream.return!(undefined);
    expect(stopped).toBe(true);
    expect(budget.used).toBe(0);
  });
});
