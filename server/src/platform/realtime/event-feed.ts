import type { Bus, Unsubscribe } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { Logger } from "../observability/logger.ts";
import { channels, type EventRow } from "./channels.ts";
import type { EventLog } from "./event-log.ts";

const BACKFILL_PAGE = 500;
/** After a failed backfill, the next try waits this long, doubling up to the maximum. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * This node's view of the one ordered stream of delivered events. It hears every event on the
 * bus, and hands them to its listeners strictly in `seq` order, each once: an event whose seq
 * is not the next one means the bus lost some (Redis pub/sub is at most once, and nodes
 * publish after commit in any order), so the missing range is read from Postgres first.
 * Because seqs are assigned under a row lock, commit order is seq order: when seq N is heard,
 * every smaller seq is already committed and can be read. A backfill that fails is tried again
 * with backoff until it succeeds, so an event heard is never held back for want of a next one.
 */
export class EventFeed {
  #last: bigint;
  /** The highest seq heard or announced: everything up to it is owed to the listeners. */
  #owed: bigint;
  #chain: Promise<void> = Promise.resolve();
  readonly #listeners = new Set<(e: EventRow) => void>();
  #unsubscribe: Unsubscribe | undefined;
  #stopResubscribed: (() => void) | undefined;
  #retry: NodeJS.Timeout | undefined;
  #retryMs = RETRY_FIRST_MS;
  #stopped = false;

  private constructor(
    private readonly log: EventLog,
    private readonly logger: Logger,
    last: bigint,
  ) {
    this.#last = last;
    this.#owed = last;
  }

  /** Subscribes to the bus, then takes the log's last seq as its starting point. */
  static async start(bus: Bus, typed: ChannelBus, log: EventLog, logger: Logger): Promise<EventFeed> {
    const feed = new EventFeed(log, logger, 0n);
    const early: EventRow[][] = [];
    let ready = false;
    feed.#unsubscribe = await typed.subscribe(channels.events, (batch) => {
      if (ready) feed.#enqueue(batch);
      else early.push(batch);
    });
    feed.#last = feed.#owed = (await log.head()).lastSeq;
    ready = true;
    for (const batch of early) feed.#enqueue(batch);
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

  /** Reads what the bus may have lost, up to `head` (default: the log's last seq). */
  catchUp(head?: bigint): void {
    this.#run(async () => {
      const target = head ?? (await this.log.head()).lastSeq;
      if (target > this.#owed) this.#owed = target;
      await this.#backfill(this.#owed);
    });
  }

  /** A promise that settles once everything enqueued so far has been handled (for tests). */
  settled(): Promise<void> {
    return this.#chain;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#stopResubscribed?.();
    await this.#unsubscribe?.();
    this.#listeners.clear();
  }

  /** Takes a batch heard on the bus (in seq order, as published): one step for all of it. */
  #enqueue(batch: EventRow[]): void {
    const heard = batch.filter((e) => e.seq !== null);
    if (heard.length === 0) return;
    for (const e of heard) if (e.seq! > this.#owed) this.#owed = e.seq!;
    this.#run(async () => {
      for (const e of heard) {
        const seq = e.seq!;
        if (seq <= this.#last) continue; // already handed out
        if (seq > this.#last + 1n) await this.#backfill(seq - 1n);
        if (seq === this.#last + 1n) this.#deliver(e);
      }
    });
  }

  /** Runs `step` after the ones before it; a failure schedules a retry of what is owed. */
  #run(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).then(
      () => {
        this.#retryMs = RETRY_FIRST_MS;
      },
      (err: unknown) => {
        this.logger.error({ err }, "event feed: backfill failed; trying again");
        this.#scheduleRetry();
      },
    );
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retry) return;
    const ms = this.#retryMs;
    this.#retryMs = Math.min(ms * 2, RETRY_MAX_MS);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#run(() => this.#backfill(this.#owed));
    }, ms);
    this.#retry.unref();
  }

  async #backfill(upTo: bigint): Promise<void> {
    while (this.#last < upTo) {
      const rows = await this.log.page({ status: "DELIVERED" }, this.#last, BACKFILL_PAGE, upTo);
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
