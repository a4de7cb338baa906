// Fanout, the live path of shared subscriptions: each item rendered once per group of sinks with
// the same key, sent to every member that accepts it, in the order items were delivered, and
// never to a member after it left.
import { describe, expect, it } from "vitest";
import { Fanout, type DirectSink } from "./fanout.ts";

/** A sink that records what it was sent; `render` resolves when the test says so (or at once). */
function sink(key: string, opts: { hold?: Map<number, () => void> } = {}) {
  const sent: string[] = [];
  let renders = 0;
  const s: DirectSink<number> = {
    key,
    async render(item) {
      renders++;
      const gate = opts.hold?.get(item);
      if (gate) await new Promise<void>((resolve) => opts.hold!.set(item, resolve));
      return `${key}:${item}`;
    },
    send: (payload) => void sent.push(payload),
  };
  return { s, sent, renders: () => renders };
}

/** Waits for what the fan-out has queued to be sent (its chain runs on microtasks and renders). */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("Fanout", () => {
  it("renders each item once per key and sends it to every member that accepts it", async () => {
    const errors: unknown[] = [];
    let rendered = 0;
    let sentCount = 0;
    const fanout = new Fanout<number>((err) => errors.push(err), {
      rendered: () => rendered++,
      sent: (n) => (sentCount += n),
    });
    const a = [sink("A"), sink("A"), sink("A")];
    const b = sink("B");
    for (const m of a) fanout.join(m.s, () => true);
    fanout.join(b.s, (n) => n % 2 === 0); // B takes even items only
    expect(fanout.size).toBe(4);

    fanout.deliver(1);
    fanout.deliver(2);
    await flush();

    for (const m of a) expect(m.sent).toEqual(["A:1", "A:2"]);
    expect(b.sent).toEqual(["B:2"]);
    // One rendering per key and item: the first member of each group renders for all.
    expect(a.reduce((n, m) => n + m.renders(), 0)).toBe(2);
    expect(b.renders()).toBe(1);
    expect(rendered).toBe(3);
    expect(sentCount).toBe(7);
    expect(errors).toEqual([]);
  });

  it("sends items in delivery order even when a later rendering finishes first", async () => {
    const hold = new Map<number, () => void>([[1, () => undefined]]);
    const fanout = new Fanout<number>(() => undefined);
    const slow = sink("A", { hold });
    fanout.join(slow.s, () => true);
    fanout.deliver(1); // its rendering waits
    fanout.deliver(2); // rendered at once
    await flush();
    expect(slow.sent).toEqual([]);
    hold.get(1)!();
    await flush();
    expect(slow.sent).toEqual(["A:1", "A:2"]);
  });

  it("sends nothing to a member after it leaves, not even an item rendered before", async () => {
    const hold = new Map<number, () => void>([[1, () => undefined]]);
    const fanout = new Fanout<number>(() => undefined);
    const stays = sink("A", { hold });
    const leaves = sink("A");
    fanout.join(stays.s, () => true);
    const leave = fanout.join(leaves.s, () => true);
    fanout.deliver(1);
    await flush();
    leave();
    hold.get(1)!();
    await flush();
    expect(stays.sent).toEqual(["A:1"]);
    expect(leaves.sent).toEqual([]);
    expect(fanout.size).toBe(1);
  });

  it("reports a rendering that fails, sends that item to no one in its group, and goes on", async () => {
    const errors: unknown[] = [];
    const fanout = new Fanout<number>((err) => errors.push(err));
    const sent: string[] = [];
    fanout.join(
      {
        key: "A",
        render: async (n) => {
          if (n === 1) throw new Error("boom");
          return `A:${n}`;
        },
        send: (p) => void sent.push(p),
      },
      () => true,
    );
    fanout.deliver(1);
    fanout.deliver(2);
    await flush();
    expect(sent).toEqual(["A:2"]);
    expect(errors).toHaveLength(1);
  });

  it("renders nothing for an item no member accepts", async () => {
    const fanout = new Fanout<number>(() => undefined);
    const m = sink("A");
    fanout.join(m.s, () => false);
    fanout.deliver(1);
    await flush();
    expect(m.renders()).toBe(0);
    expect(m.sent).toEqual([]);
  });
});
