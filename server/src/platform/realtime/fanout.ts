import type { Unsubscribe } from "../bus/bus.ts";
import type { Channel, ChannelBus } from "../bus/channel-bus.ts";

/**
 * Where a live subscriber's items go once it has caught up: straight to its connection. The
 * transport makes one per subscription (it knows the socket, the operation and how to run it);
 * the realtime core only knows that sinks with the same `key` turn the same item into the same
 * payload.
 */
export interface DirectSink<T> {
  /** Sinks with the same key render the same payload for the same item. */
  readonly key: string;
  /** The item as this subscription's payload, serialized. */
  render(item: T): Promise<string>;
  /** Sends one rendered payload (the transport closes a connection that reads too slowly). */
  send(payload: string): void;
}

interface Member<T> {
  readonly sink: DirectSink<T>;
  /** Whether this member gets the item (its filter, and that it has not had it already). */
  readonly accepts: (item: T) => boolean;
  gone: boolean;
}

/** One item's delivery to one group: its members, and the payload rendered once for all. */
interface Batch<T> {
  members: Member<T>[];
  payload: Promise<string | undefined>;
}

/**
 * Execute once, send many: a node's live subscribers of one source, grouped by their sinks'
 * key. Each item is rendered once per group that has a member accepting it (one GraphQL
 * execution and one JSON serialization, whatever the group's size), and the same string is
 * sent to each of those members. Items are sent in the order `deliver` was called, whatever
 * order their renderings finish in. Knows nothing of GraphQL or sockets.
 */
export class Fanout<T> {
  readonly #groups = new Map<string, Set<Member<T>>>();
  #chain: Promise<void> = Promise.resolve();

  constructor(
    /** Told when an item could not be rendered (it is then not sent to that group). */
    private readonly onError: (err: unknown) => void,
    /** Told of each rendering, and of how many members its payload was sent to. */
    private readonly counts: { rendered(): void; sent(n: number): void } = { rendered() {}, sent() {} },
  ) {}

  /** Live members now. */
  get size(): number {
    let n = 0;
    for (const members of this.#groups.values()) n += members.size;
    return n;
  }

  /**
   * Sends every item delivered from now on that `accepts` takes to `sink`. Returns the leave:
   * after it, nothing more is sent, not even an item whose rendering was under way.
   */
  join(sink: DirectSink<T>, accepts: (item: T) => boolean): () => void {
    const member: Member<T> = { sink, accepts, gone: false };
    let group = this.#groups.get(sink.key);
    if (!group) this.#groups.set(sink.key, (group = new Set()));
    group.add(member);
    return () => {
      member.gone = true;
      if (group.delete(member) && group.size === 0 && this.#groups.get(sink.key) === group) {
        this.#groups.delete(sink.key);
      }
    };
  }

  /** Hands `item` to every member that accepts it (decided now; sent once it is rendered). */
  deliver(item: T): void {
    const batches: Batch<T>[] = [];
    for (const group of this.#groups.values()) {
      let members: Member<T>[] | undefined;
      for (const m of group) if (m.accepts(item)) (members ??= []).push(m);
      if (!members) continue;
      this.counts.rendered();
      const payload = members[0]!.sink.render(item).catch((err: unknown) => {
        this.onError(err);
        return undefined;
      });
      batches.push({ members, payload });
    }
    if (batches.length > 0) this.#chain = this.#chain.then(() => this.#send(batches));
  }

  async #send(batches: Batch<T>[]): Promise<void> {
    for (const { members, payload } of batches) {
      const json = await payload;
      if (json === undefined) continue;
      let sent = 0;
      for (const m of members) {
        if (m.gone) continue;
        try {
          m.sink.send(json);
          sent++;
        } catch (err) {
          this.onError(err);
        }
      }
      this.counts.sent(sent);
    }
  }
}

interface OpenChannel {
  fanout: Fanout<unknown>;
  users: number;
  subscribed: Promise<Unsubscribe>;
}

/**
 * The fan-outs of bus channels (a room's occupants, say): one per channel name while anyone on
 * this node uses it, fed by one subscription to the channel, given back with its last user.
 */
export class ChannelFanouts {
  readonly #open = new Map<string, OpenChannel>();

  constructor(
    private readonly channels: ChannelBus,
    private readonly make: () => Fanout<unknown>,
  ) {}

  /** Members of all the open fan-outs. */
  get size(): number {
    let n = 0;
    for (const { fanout } of this.#open.values()) n += fanout.size;
    return n;
  }

  /**
   * The fan-out of `channel`, once the bus confirmed the channel: every message published after
   * this resolves reaches it. Call `release` when done (once is enough; more do nothing).
   */
  async acquire<T>(channel: Channel<T>): Promise<{ fanout: Fanout<T>; release: () => Promise<void> }> {
    let entry = this.#open.get(channel.name);
    if (!entry) {
      const fanout = this.make();
      entry = { fanout, users: 0, subscribed: this.channels.subscribe(channel, (m) => fanout.deliver(m)) };
      this.#open.set(channel.name, entry);
    }
    const open = entry;
    open.users++;
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      if (--open.users > 0) return;
      if (this.#open.get(channel.name) === open) this.#open.delete(channel.name);
      const stop = await open.subscribed.catch(() => undefined);
      await stop?.();
    };
    try {
      await open.subscribed;
    } catch (err) {
      await release();
      throw err;
    }
    return { fanout: open.fanout as Fanout<T>, release };
  }
}
