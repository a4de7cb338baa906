import type { ConnectionManager } from "./connection.ts";
import { isCloseLike, type CloseLike } from "./connection.ts";
import { MultiverseError, type GraphQLErrorDetail } from "./errors.ts";
import type { ResumableSubscription } from "./operation-types.ts";
import { CloseCode, isFatalClose } from "./protocol.ts";

/** How subscriptions reconnect after the connection drops. */
export interface RetryOptions {
  /**
   * Reconnect attempts in a row (without a message in between) before the subscription gives up
   * and throws a `NETWORK_ERROR`. Default: `Infinity` (keep trying; watch `client.connection`).
   */
  attempts?: number;
  /** The first retry waits up to this long (randomized), each next one twice as long. Default: 250. */
  minDelayMs?: number;
  /** The longest wait between two attempts. Default: 10 000. */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { attempts: Infinity, minDelayMs: 250, maxDelayMs: 10_000 };

/**
 * The wait before reconnect attempt `attempt` (0-based): up to `minDelayMs` at first (so the
 * subscribers of a node that went away do not all come back at once), then exponential with
 * jitter, capped at `maxDelayMs`.
 */
export function retryDelay(attempt: number, retry: Required<RetryOptions>): number {
  if (attempt === 0) return Math.random() * retry.minDelayMs;
  const ceiling = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** attempt);
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

/** How a subscription resumes: where to start, what to send on each (re)subscribe, what to skip. */
export interface ResumeHooks {
  /** Runs once, before the first subscribe (e.g. finds where the event log ends). */
  start(): Promise<void>;
  /** The variables for the next (re)subscribe. */
  variables(): Record<string, unknown>;
  /** False for a message already delivered (so a resume never repeats one). */
  accept(value: unknown): boolean;
}

/**
 * What a subscription sends, and what it yields of each result. A generated method's
 * `OperationSpec` is one; `client.subscribe` builds one from a request.
 */
export interface SubscriptionSpec {
  readonly query: string;
  readonly operationName?: string | undefined;
  /**
   * The root field whose value is yielded (and handed to `ResumeHooks.accept`); a result without
   * it is skipped. Without a field, the whole `data` is yielded.
   */
  readonly field?: string | undefined;
  /** Yield the whole `data` (`{ [field]: value }`) rather than the field's value. */
  readonly whole?: boolean;
}

/** A pull queue between the socket (push) and the `for await` loop (pull). */
class Queue<T> {
  #items: T[] = [];
  #waiter: { resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void } | undefined;
  #done = false;
  #error: { value: unknown } | undefined;

  push(value: T): void {
    if (this.#done) return;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter.resolve({ value, done: false });
    else this.#items.push(value);
  }

  end(): void {
    this.#done = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
  }

  /** Ends with `error`, thrown once the messages before it have been taken. */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = { value: error };
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) {
      this.#error = undefined;
      waiter.reject(error);
    }
  }

  get length(): number {
    return this.#items.length;
  }

  /** Drops the oldest message waiting. */
  dropOldest(): void {
    this.#items.shift();
  }

  /** Stops accepting and drops what was not taken (after `stop()`). */
  clear(): void {
    this.#items = [];
    this.#error = undefined;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift()!, done: false });
    if (this.#error) {
      const { value } = this.#error;
      this.#error = undefined;
      return Promise.reject(value);
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }
}

type Outcome = { fatal: MultiverseError } | { retry: CloseLike | undefined; cause: unknown };

function classify(err: unknown, operation: string): Outcome {
  if (err instanceof MultiverseError) return { fatal: err };
  if (Array.isArray(err)) {
    const refused = MultiverseError.fromGraphQL(err as GraphQLErrorDetail[], { operation });
    // A dependency away for a moment (Postgres restarting): nothing was started, and subscribing
    // again later works, so it is retried with backoff like a dropped socket. `events` resumes.
    return refused.code === "SERVICE_UNAVAILABLE" ? { retry: undefined, cause: refused } : { fatal: refused };
  }
  if (isCloseLike(err)) {
    if (err.code === CloseCode.Forbidden) {
      return {
        fatal: new MultiverseError({
          kind: "graphql",
          code: "UNAUTHENTICATED",
          message: `The server refused the credential (close code ${err.code}): ${err.reason || "sign in"}`,
          closeCode: err.code,
          operation,
        }),
      };
    }
    if (isFatalClose(err.code)) {
      return {
        fatal: MultiverseError.network(`The server closed the connection (${err.code}${reason(err)})`, {
          closeCode: err.code,
          operation,
        }),
      };
    }
    return { retry: err, cause: err };
  }
  // A socket error (connection refused, DNS, TLS…): the close that follows is retried.
  return { retry: undefined, cause: err };
}

const reason = (c: CloseLike) => (c.reason ? `: ${c.reason}` : "");

export interface SubscriptionContext {
  connection: ConnectionManager;
  retry: Required<RetryOptions>;
  /** Messages a subscription keeps for a loop that has not taken them yet (see `LiveSubscription`). */
  bufferSize: number;
  wsUrl: string;
  /** Called when it ends for good, so the client can forget it. */
  onEnd(sub: LiveSubscription<unknown>): void;
}

/**
 * One subscription of the client: an async iterator fed by the socket, which resubscribes after
 * the connection drops (with `ResumeHooks`' variables when it resumes) until it is stopped, the
 * server completes it, or something fatal happens.
 *
 * Messages wait for the loop in a queue of at most `bufferSize`. When a loop falls that far
 * behind, a resumable subscription (events) unsubscribes and resubscribes from where it was once
 * the loop has taken half of them: nothing is lost and memory stays bounded. Any other drops
 * its oldest waiting message (each roomOccupants, ticks and universe message supersedes the
 * ones before it).
 */
export class LiveSubscription<T> implements ResumableSubscription<T> {
  readonly ready: Promise<void>;
  readonly #queue = new Queue<T>();
  readonly #ctx: SubscriptionContext;
  readonly #spec: SubscriptionSpec;
  readonly #variables: Record<string, unknown>;
  readonly #method: string;
  readonly #resume: ResumeHooks | undefined;
  #stopped = false;
  /** Ended for good: the client forgot it. */
  #ended = false;
  /** It counts in the connection's running subscriptions (not while paused for a slow loop). */
  #holding = false;
  /** Unsubscribed until the loop catches up (resumable subscriptions only). */
  #paused = false;
  #unpause: (() => void) | undefined;
  #dispose: (() => void) | undefined;
  #wake: (() => void) | undefined;
  #unlistenAbort: (() => void) | undefined;
  #readyResolve!: () => void;
  #readyReject!: (e: unknown) => void;

  constructor(
    ctx: SubscriptionContext,
    spec: SubscriptionSpec,
    variables: Record<string, unknown> | undefined,
    options: { signal?: AbortSignal } | undefined,
    method: string,
    resume: ResumeHooks | undefined,
  ) {
    this.#ctx = ctx;
    this.#spec = spec;
    this.#variables = variables ?? {};
    this.#method = method;
    this.#resume = resume;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    // The loop reports the same error; nobody has to await `ready`.
    this.ready.catch(() => undefined);
    this.#hold();
    const signal = options?.signal;
    if (signal?.aborted) {
      this.stop();
      return;
    }
    if (signal) {
      const onAbort = () => this.stop();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#unlistenAbort = () => signal.removeEventListener("abort", onAbort);
    }
    void this.#run();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const result = this.#queue.next();
    if (this.#paused && this.#queue.length <= this.#ctx.bufferSize / 2) this.#unpause?.();
    return result;
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unlistenAbort?.();
    this.#dispose?.();
    this.#wake?.();
    this.#unpause?.();
    this.#queue.clear();
    this.#queue.end();
    this.#readyResolve();
    this.#release();
  }

  #hold(): void {
    if (this.#holding) return;
    this.#holding = true;
    this.#ctx.connection.retain();
  }

  #unhold(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.#ctx.connection.release();
  }

  #release(): void {
    this.#unhold();
    if (this.#ended) return;
    this.#ended = true;
    this.#ctx.onEnd(this as LiveSubscription<unknown>);
  }

  #fail(error: MultiverseError): void {
    this.#readyReject(error);
    this.#queue.fail(error);
    this.#unlistenAbort?.();
    this.#release();
  }

  async #run(): Promise<void> {
    let attempt = 0;
    let started = !this.#resume;
    if (started) this.#readyResolve();
    for (;;) {
      if (this.#stopped) return;
      let outcome: Outcome;
      try {
        if (!started) {
          await this.#resume!.start();
          started = true;
          this.#readyResolve();
        }
        await this.#once(() => (attempt = 0));
        if (this.#paused && !this.#stopped) {
          // The loop fell behind: resubscribe (from the last message received) once it caught up.
          await this.#caughtUp();
          continue;
        }
        // The server completed it (or stop() did).
        this.#queue.end();
        this.#readyResolve();
        this.#release();
        return;
      } catch (err) {
        if (this.#paused && !this.#stopped) {
          // It failed while unsubscribing for a slow loop: the resubscribe will tell.
          await this.#caughtUp();
          continue;
        }
        // Before the stream starts, an unreachable server is worth retrying like a dropped socket.
        outcome =
          !started && err instanceof MultiverseError && err.kind === "network" && err.closeCode === undefined
            ? { retry: undefined, cause: err }
            : classify(err, this.#method);
      }
      if (this.#stopped) return;
      if ("fatal" in outcome) {
        this.#fail(outcome.fatal);
        return;
      }
      if (attempt >= this.#ctx.retry.attempts) {
        const close = outcome.retry;
        this.#fail(
          MultiverseError.network(
            `Lost the connection to ${this.#ctx.wsUrl} and could not get it back in ${attempt} attempts` +
              (close ? ` (last close ${close.code}${reason(close)})` : ""),
            { operation: this.#method, cause: outcome.cause, ...(close ? { closeCode: close.code } : {}) },
          ),
        );
        return;
      }
      await this.#sleep(retryDelay(attempt++, this.#ctx.retry));
    }
  }

  /** One subscribe on the current socket: resolves when the server completes it, rejects when it fails. */
  async #once(onMessage: () => void): Promise<void> {
    const client = await this.#ctx.connection.client();
    if (this.#stopped) return;
    const variables = this.#resume ? this.#resume.variables() : this.#variables;
    const { query, operationName, field, whole } = this.#spec;
    await new Promise<void>((resolve, reject) => {
      const dispose = client.subscribe(
        { query, operationName, variables },
        {
          next: (result) => {
            if (this.#paused) return; // unsubscribing; these come again on resume
            if (result.errors && result.errors.length > 0) {
              reject(result.errors);
              dispose();
              return;
            }
            const data = result.data;
            const value = field === undefined ? data : data?.[field];
            if (value === undefined || value === null) return;
            onMessage();
            if (this.#resume && !this.#resume.accept(value)) return;
            this.#queue.push((whole ? data : value) as T);
            if (this.#queue.length <= this.#ctx.bufferSize) return;
            if (this.#resume) {
              this.#paused = true;
              dispose(); // completes it on the server; #run resubscribes when the loop caught up
            } else {
              this.#queue.dropOldest();
            }
          },
          error: (err) => reject(err),
          complete: () => resolve(),
        },
      );
      this.#dispose = dispose;
    }).finally(() => (this.#dispose = undefined));
  }

  /** Resolves when the loop has taken half of what waits (or on stop), holding no socket meanwhile. */
  async #caughtUp(): Promise<void> {
    this.#unhold();
    await new Promise<void>((resolve) => {
      this.#unpause = resolve;
      if (this.#queue.length <= this.#ctx.bufferSize / 2) resolve();
    });
    this.#unpause = undefined;
    this.#paused = false;
    if (!this.#stopped) this.#hold();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
