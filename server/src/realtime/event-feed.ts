import type { Bus, Unsubscribe } from "../bus/bus.ts";
import type { PrismaClient } from "../db/client.ts";
import { eventFromWire, type EventRow } from "../events/event-wire.ts";
import type { Logger } from "../observability/logger.ts";
import { Channel } from "./topics.ts";

const BACKFILL_PAGE = 500;

/**
 * This node's view of the one ordered stream of delivered events. It hears every event on the
 * bus, and hands them to its listeners strictly in `seq` order, each once: an event whose seq
 * is not the next one means the bus lost some (Redis pub/sub is at most once, and nodes
 * publish after commit in any order), so the missing range is read from Postgres first.
 * Because seqs are assigned under a row lock, commit order is seq order: when seq N is heard,
 * every smaller seq is already committed and can be read.
 */
export class EventFeed {
  #last: bigint;
  #chain: Promise<void> = Promise.resolve();
  readonly #listeners = new Set<(e: EventRow) => void>();
  #unsubscribe: Unsubscribe | undefined;
  #stopResubscribed: (() => void) | undefined;

  private constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    last: bigint,
  ) {
    this.#last = last;
  }

  /** Subscribes to the bus, then takes the database's last seq as its starting point. */
  static async start(bus: Bus, prisma: PrismaClient, logger: Logger): Promise<EventFeed> {
    const feed = new EventFeed(prisma, logger, 0n);
    const early: EventRow[] = [];
    let ready = false;
    feed.#unsubscribe = await bus.subscribe(Channel.events, (text) => {
      const e = eventFromWire(text);
      if (ready) feed.#enqueue(e);
      else early.push(e);
    });
    const state = await prisma.universeState.findUniqueOrThrow({ where: { id: 1 } });
    feed.#last = state.lastSeq;
    ready = true;
    for (const e of early) feed.#enqueue(e);
    feed.#stopResubscribed = bus.onResubscribed(() => feed.catchUp());
    return feed;
  }

  /** The seq of the last event handed to listeners. */
  get last(): bigint {
    return this.#last;
  }

  /** Calls `listener` with each event from now on, in seq order. Returns a remover. */
  listen(listener: (e: EventRow) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  /** Reads what the bus may have lost, up to `head` (default: the database's last seq). */
  catchUp(head?: bigint): void {
    this.#chain = this.#chain
      .then(async () => {
        const target = head ?? (await this.prisma.universeState.findUniqueOrThrow({ where: { id: 1 } })).lastSeq;
        if (target > this.#last) await this.#backfill(target);
      })
      .catch((err: unknown) => this.logger.error({ err }, "event feed: catching up failed"));
  }

  /** A promise that settles once everything enqueued so far has been handled (for tests). */
  settled(): Promise<void> {
    return this.#chain;
  }

  async stop(): Promise<void> {
    this.#stopResubscribed?.();
    await this.#unsubscribe?.();
    this.#listeners.clear();
  }

  #enqueue(e: EventRow): void {
    this.#chain = this.#chain
      .then(async () => {
        if (e.seq === null || e.seq <= this.#last) return; // already handed out
        if (e.seq > this.#last + 1n) await this.#backfill(e.seq - 1n);
        if (e.seq === this.#last + 1n) this.#deliver(e);
      })
      .catch((err: unknown) => this.logger.error({ err }, "event feed: backfill failed; will retry on the next event"));
  }

  async #backfill(upTo: bigint): Promise<void> {
    while (this.#last < upTo) {
      const rows = await this.prisma.event.findMany({
        where: { seq: { gt: this.#last, lte: upTo } },
        orderBy: { seq: "asc" },
        take: BACKFILL_PAGE,
      });
      if (rows.length === 0) {
        // Pruned by retention (or never written): nothing to hand out below upTo.
        this.#last = upTo;
        return;
      }
      for (const row of rows) this.#deliver(row);
    }
  }

  #deliver(e: EventRow): void {
    this.#last = e.seq!;
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.logger.error({ err }, "event feed: a listener failed");
      }
    }
  }
}
