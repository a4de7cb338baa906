// Typed channels over the bus (docs/architecture.md, "The bus and its channels"): one bus
// subscription per channel name however many listeners, each message decoded once for all of
// them, listeners isolated, undecodable messages dropped and reported, and the bus subscription
// given back with the last listener.
import { describe, expect, it } from "vitest";
import { MemoryBus } from "../../server/src/platform/bus/memory-bus.ts";
import { ChannelBus, type Channel } from "../../server/src/platform/bus/channel-bus.ts";
import { waitUntil } from "../support/wait.ts";

describe("ChannelBus", () => {
  it("subscribes once per name, decodes once per message, isolates listeners, and gives the channel back", async () => {
    const bus = new MemoryBus();
    let subscriptions = 0;
    let live = 0;
    const subscribe = bus.subscribe.bind(bus);
    bus.subscribe = async (name, handler) => {
      subscriptions++;
      live++;
      const stop = await subscribe(name, handler);
      return async () => {
        live--;
        await stop();
      };
    };
    const reported: string[] = [];
    const typed = new ChannelBus(bus, (err, channel) => reported.push(`${channel}: ${(err as Error).message}`));
    let decodes = 0;
    const channel: Channel<{ n: number }> = {
      name: "numbers",
      encode: (v) => JSON.stringify(v),
      decode: (text) => {
        decodes++;
        const v = JSON.parse(text) as { n?: unknown };
        if (typeof v.n !== "number") throw new Error("not a number");
        return { n: v.n };
      },
    };
    const a: number[] = [];
    const b: number[] = [];
    const stopA = await typed.subscribe(channel, (v) => a.push(v.n));
    const stopThrowing = await typed.subscribe(channel, () => {
      throw new Error("listener bug");
    });
    const stopB = await typed.subscribe(channel, (v) => b.push(v.n));
    expect(subscriptions).toBe(1);

    await typed.publish(channel, { n: 1 });
    await bus.publish("numbers", '{"n":"x"}');
    await typed.publish(channel, { n: 2 });
    await waitUntil("both listeners to hear both numbers", () => a.length === 2 && b.length === 2);
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([1, 2]);
    expect(decodes).toBe(3); // once per message, not once per listener
    expect(reported).toEqual([
      "numbers: listener bug",
      "numbers: undecodable message dropped: not a number",
      "numbers: listener bug",
    ]);

    await stopA();
    await stopThrowing();
    expect(live).toBe(1);
    await stopB();
    expect(live).toBe(0);
    // A new listener subscribes the name again.
    const stopC = await typed.subscribe(channel, () => undefined);
    expect(subscriptions).toBe(2);
    await stopC();
    expect(live).toBe(0);
  });
});
