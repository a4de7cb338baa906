// The mixed load of the fault suite and the soak, through the SDK as game developers use it:
// publishers that retry with the same idempotency key until they are answered, subscribers that
// resume `events` with `since` after every reconnect (the SDK does it by itself), and players
// whose clients connect, disconnect and are moved between rooms. It counts what it did and, at
// the end, checks what the issue promises: every acknowledged event stored exactly once (read
// from Postgres directly) and received exactly once by every subscriber, and the online set
// equal to the set of players whose client is connected.
import { randomUUID } from "node:crypto";
import pg from "pg";
import {
  createMultiverseClient,
  isMultiverseError,
  type MultiverseClient,
  type MultiverseEvent,
} from "../sdk/src/index.ts";

export interface MixedLoadOptions {
  /** The nodes' client URLs: publishers, subscribers and players are spread over them. */
  urls: string[];
  adminToken: string;
  /** The database itself, for the end checks. */
  databaseUrl: string;
  /** Default 4. */
  publishers?: number;
  /** Events per second each publisher aims at. Default 10. */
  publishRate?: number;
  /** Default 4. */
  subscribers?: number;
  /** Default 8. */
  players?: number;
  /** Default 4. */
  rooms?: number;
  /** Moves per second over all players. Default 8. */
  moveRate?: number;
  /** The nodes' PRESENCE_TTL_SECONDS, in ms: the end check holds past it. Default 3000. */
  presenceTtlMs?: number;
  log?: (message: string) => void;
}

/** What the load did, and what the end checks found. */
export interface LoadFigures {
  operations: { publishes: number; publishRetries: number; moves: number; movesFailed: number; connects: number };
  /** Errors that are no outage's: code → count (a publish answered anything but an event or a retryable error). */
  unexpectedErrors: Record<string, number>;
  acknowledged: number;
  stored: {
    rows: number;
    /** Acknowledged events missing from the log, or stored with another seq. */
    lost: number;
    /** Rows more than one per acknowledged event (another row with the same key, or one never acknowledged). */
    duplicated: number;
  };
  received: {
    /** Per subscriber: events received (each counted once). */
    perSubscriber: number[];
    /** Acknowledged events some subscriber never received, summed over subscribers. */
    lost: number;
    /** Events received again (same seq), summed over subscribers. */
    duplicated: number;
    /** Events received after a higher seq, summed over subscribers. */
    outOfOrder: number;
    /** Events received that no publisher acknowledged. */
    unknown: number;
    /** Subscriptions the SDK gave up (they throw): each a message. */
    failed: string[];
  };
  presence: {
    connected: number;
    online: number;
    /** Online but not connected. */
    onlineNotConnected: number;
    /** Connected but not online. */
    connectedNotOnline: number;
  };
}

/** Why an SDK call failed, for counting: its code, or what it is. */
const codeOf = (err: unknown): string => (isMultiverseError(err) ? String(err.code) : String(err));

/** Codes an outage may answer; a publisher retries them with the same key. */
const RETRYABLE = new Set(["SERVICE_UNAVAILABLE", "NETWORK_ERROR", "RATE_LIMITED"]);

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One subscriber: an SDK client on one node, resuming `events` from seq 0. */
class Subscriber {
  readonly seen = new Set<string>();
  last = -1n;
  duplicated = 0;
  outOfOrder = 0;
  failure: string | undefined;
  readonly done: Promise<void>;
  readonly #client: MultiverseClient;

  constructor(url: string, adminToken: string) {
    this.#client = createMultiverseClient({ url, adminToken, retry: { minDelayMs: 50, maxDelayMs: 1_000 } });
    const sub = this.#client.events({ since: "0" });
    this.done = (async () => {
      try {
        for await (const e of sub) this.#take(e);
      } catch (err) {
        this.failure = `${codeOf(err)}: ${err instanceof Error ? err.message : String(err)}`;
      }
    })();
  }

  #take(e: MultiverseEvent): void {
    const seq = e.seq!;
    if (this.seen.has(seq)) this.duplicated++;
    else this.seen.add(seq);
    const n = BigInt(seq);
    if (n <= this.last) this.outOfOrder++;
    else this.last = n;
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

/** One player: its client connects and disconnects at random; it is online while connected. */
class PlayerClient {
  #client: MultiverseClient | undefined;
  constructor(
    readonly id: string,
    readonly url: string,
    readonly token: string,
  ) {}

  get wanted(): boolean {
    return this.#client !== undefined;
  }

  /** Connected and acknowledged (the server records presence before it acknowledges). */
  get connected(): boolean {
    return this.#client?.connection.state === "connected";
  }

  connect(): void {
    if (this.#client) return;
    const client = createMultiverseClient({
      url: this.url,
      token: this.token,
      retry: { minDelayMs: 50, maxDelayMs: 1_000 },
    });
    this.#client = client;
    // A subscription holds the socket open: the player's own game's presence changes.
    void (async () => {
      try {
        for await (const _ of client.presence()) void _;
      } catch {
        // Closed by disconnect(), or given up: `connected` says which state it is in.
      }
    })();
  }

  async disconnect(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
  }
}

export class MixedLoad {
  readonly #o: Required<Omit<MixedLoadOptions, "log">> & { log: (m: string) => void };
  /** Acknowledged events: seq → { id, key }. */
  readonly #acked = new Map<string, { id: string; key: string }>();
  readonly #ops = { publishes: 0, publishRetries: 0, moves: 0, movesFailed: 0, connects: 0 };
  readonly #unexpected: Record<string, number> = {};
  #subscribers: Subscriber[] = [];
  #players: PlayerClient[] = [];
  #rooms: string[] = [];
  #gameKey = "";
  #gameId = "";
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(options: MixedLoadOptions) {
    this.#o = {
      publishers: 4,
      publishRate: 10,
      subscribers: 4,
      players: 8,
      rooms: 4,
      moveRate: 8,
      presenceTtlMs: 3_000,
      log: () => undefined,
      ...options,
    };
  }

  get acknowledged(): number {
    return this.#acked.size;
  }

  /** Events each subscriber has received so far. */
  get received(): number[] {
    return this.#subscribers.map((s) => s.seen.size);
  }

  #url(i: number): string {
    return this.#o.urls[i % this.#o.urls.length]!;
  }

  #unexpectedError(err: unknown): void {
    const code = codeOf(err);
    this.#unexpected[code] = (this.#unexpected[code] ?? 0) + 1;
  }

  /** Registers the game, its rooms and players, then starts every loop. */
  async start(): Promise<void> {
    const admin = createMultiverseClient({ url: this.#url(0), adminToken: this.#o.adminToken });
    this.#gameId = `soak-${randomUUID().slice(0, 8)}`;
    const registered = await admin.registerGame({
      id: this.#gameId,
      name: "Soak",
      developerName: "Soak",
      realm: { name: "Main", realmType: "arena", adjacency: "core", resonance: "cosmic" },
    });
    this.#gameKey = registered.apiKey;
    const game = createMultiverseClient({ url: this.#url(0), apiKey: this.#gameKey });
    const realmId = registered.game.realms[0]!.id;
    for (let i = 0; i < this.#o.rooms; i++) {
      this.#rooms.push((await game.createRoom({ realmId, name: `Room ${i}` })).id);
    }
    for (let i = 0; i < this.#o.players; i++) {
      const player = await game.upsertPlayer({ externalId: `p${i}`, displayName: `Player ${i}` });
      const { token } = await game.issuePlayerToken({ playerId: player.id });
      this.#players.push(new PlayerClient(player.id, this.#url(i), token));
    }
    // Subscribers first, from seq 0: each must receive every event the publishers get acknowledged.
    for (let i = 0; i < this.#o.subscribers; i++)
      this.#subscribers.push(new Subscriber(this.#url(i), this.#o.adminToken));
    this.#running = true;
    for (let i = 0; i < this.#o.publishers; i++) this.#loops.push(this.#publisher(i));
    this.#loops.push(this.#mover(), this.#churn());
    this.#o.log(
      `load: ${this.#o.publishers} publishers, ${this.#o.subscribers} subscribers, ${this.#o.players} players in ${this.#o.rooms} rooms, over ${this.#o.urls.length} nodes`,
    );
  }

  /** Publishes at its rate; each event with its own key, retried with that key until answered. */
  async #publisher(i: number): Promise<void> {
    const client = createMultiverseClient({ url: this.#url(i), apiKey: this.#gameKey });
    const interval = 1000 / this.#o.publishRate;
    for (let n = 0; this.#running; n++) {
      const key = `pub${i}-${n}`;
      const startedAt = Date.now();
      // Once begun, an event is published until acknowledged, even when the load is stopping:
      // a key left half-tried could be stored and never acknowledged.
      for (;;) {
        try {
          const e = await client.publishEvent({ type: "soak.tick", data: { publisher: i, n }, idempotencyKey: key });
          this.#ops.publishes++;
          const seq = e.seq!;
          if (this.#acked.has(seq)) this.#unexpectedError("SEQ_ACKNOWLEDGED_TWICE");
          this.#acked.set(seq, { id: e.id, key });
          break;
        } catch (err) {
          this.#ops.publishRetries++;
          if (!RETRYABLE.has(codeOf(err))) this.#unexpectedError(err);
          const after = isMultiverseError(err) ? (err.retryAfterMs ?? 100) : 100;
          await pause(Math.min(after, 250));
        }
      }
      const left = interval - (Date.now() - startedAt);
      if (left > 0) await pause(left);
    }
  }

  /** Moves a random player to a random room (or out of rooms) at the move rate. */
  async #mover(): Promise<void> {
    const client = createMultiverseClient({ url: this.#url(1), apiKey: this.#gameKey });
    const interval = 1000 / this.#o.moveRate;
    while (this.#running) {
      const player = this.#players[Math.floor(Math.random() * this.#players.length)]!;
      const roomId = Math.random() < 0.1 ? null : this.#rooms[Math.floor(Math.random() * this.#rooms.length)]!;
      try {
        await client.movePlayer({ playerId: player.id, roomId });
        this.#ops.moves++;
      } catch (err) {
        this.#ops.movesFailed++;
        if (!RETRYABLE.has(codeOf(err))) this.#unexpectedError(err);
      }
      await pause(interval);
    }
  }

  /** Connects every player, then keeps connecting and disconnecting one at a time. */
  async #churn(): Promise<void> {
    for (const p of this.#players) {
      p.connect();
      this.#ops.connects++;
    }
    while (this.#running) {
      await pause(250 + Math.random() * 500);
      if (!this.#running) break;
      const p = this.#players[Math.floor(Math.random() * this.#players.length)]!;
      if (p.wanted) await p.disconnect();
      else {
        p.connect();
        this.#ops.connects++;
      }
    }
  }

  /** Stops every loop; publishers finish the event they were publishing. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  /**
   * Waits (up to `timeoutMs`) for the subscribers to receive every acknowledged event and for
   * presence to match the connected players, then checks everything. Call after `stop()`.
   */
  async verify(timeoutMs = 30_000): Promise<LoadFigures> {
    const deadline = Date.now() + timeoutMs;
    const waitFor = async (check: () => Promise<boolean> | boolean) => {
      while (!(await check()) && Date.now() < deadline) await pause(100);
    };
    const acked = [...this.#acked.keys()];
    await waitFor(() => this.#subscribers.every((s) => s.failure !== undefined || acked.every((q) => s.seen.has(q))));

    // Presence: every client that should be connected is, then the online set matches it.
    const game = createMultiverseClient({ url: this.#url(0), apiKey: this.#gameKey });
    await waitFor(() => this.#players.every((p) => !p.wanted || p.connected));
    const connected = new Set(this.#players.filter((p) => p.connected).map((p) => p.id));
    let online = new Set<string>();
    const onlineNow = async () => {
      try {
        online = new Set((await game.players({ gameId: this.#gameId, online: true })).map((p) => p.id));
      } catch {
        return false;
      }
      return online.size === connected.size && [...online].every((id) => connected.has(id));
    };
    await waitFor(onlineNow);
    // And it stays so past the entries' lifetime: a connected player whose presence is not
    // renewed (after Redis lost it, say) drops out within a TTL, and the leader's sweep runs
    // once a second.
    await pause(this.#o.presenceTtlMs + 1_500);
    await onlineNow();

    const stored = await this.#checkStored();
    let lost = 0;
    let unknown = 0;
    for (const s of this.#subscribers) {
      for (const q of acked) if (!s.seen.has(q)) lost++;
      for (const q of s.seen) if (!this.#acked.has(q)) unknown++;
    }
    return {
      operations: { ...this.#ops },
      unexpectedErrors: { ...this.#unexpected },
      acknowledged: this.#acked.size,
      stored,
      received: {
        perSubscriber: this.received,
        lost,
        duplicated: this.#subscribers.reduce((n, s) => n + s.duplicated, 0),
        outOfOrder: this.#subscribers.reduce((n, s) => n + s.outOfOrder, 0),
        unknown,
        failed: this.#subscribers.flatMap((s) => (s.failure ? [s.failure] : [])),
      },
      presence: {
        connected: connected.size,
        online: online.size,
        onlineNotConnected: [...online].filter((id) => !connected.has(id)).length,
        connectedNotOnline: [...connected].filter((id) => !online.has(id)).length,
      },
    };
  }

  /** Reads the game's events from Postgres itself: each acknowledged one once, with its seq, and nothing else. */
  async #checkStored(): Promise<LoadFigures["stored"]> {
    const db = new pg.Client({ connectionString: this.#o.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string; seq: string | null; idempotency_key: string | null }>(
        "SELECT id, seq::text AS seq, idempotency_key FROM events WHERE source_game_id = $1",
        [this.#gameId],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      let lost = 0;
      for (const [seq, { id, key }] of this.#acked) {
        const row = byId.get(id);
        if (!row || row.seq !== seq || row.idempotency_key !== key) lost++;
      }
      return { rows: rows.length, lost, duplicated: rows.length - (this.#acked.size - lost) };
    } finally {
      await db.end();
    }
  }

  /** Closes every client. */
  async close(): Promise<void> {
    await Promise.all([...this.#subscribers.map((s) => s.close()), ...this.#players.map((p) => p.disconnect())]);
    await Promise.all(this.#subscribers.map((s) => s.done));
  }
}
