// What the benchmark driver asks of a load worker (bench/load/worker.ts) over IPC, and the answers.

/** How a client reduces each message it receives to a record. */
export type RecordMode =
  /** Events carrying `{ k, sentAt }` in their data: the key `k` and the latency now − sentAt. */
  | "events"
  /**
   * roomOccupants messages: the key `<roomId>|<playerId>|<kind>#<n>` (the n-th such change this
   * client saw, from 0) and the receive time, for MOVED changes; the snapshot (no change) counts
   * as the key `snapshot`, any other change as `presence`.
   */
  | "rooms";

export interface ConnectArgs {
  kind: "graphql-ws" | "colyseus";
  /** ws://…/graphql for graphql-ws; the Colyseus endpoint (ws://host:port) for Colyseus. */
  url: string;
  /** The connection_init payload of each client (one per client), or one for all. */
  payloads: (Record<string, unknown> | null)[] | Record<string, unknown> | null;
  count: number;
  /** The subscription each client starts once acknowledged (graphql-ws). */
  subscribe?:
    { query: string; variables?: Record<string, unknown> }[] | { query: string; variables?: Record<string, unknown> };
  mode: RecordMode;
  /** The local address the sockets bind to (a 127.x.y.z of its own: separate ephemeral ports). */
  localAddress?: string;
}

export interface ConnectResult {
  opened: number;
  failed: number;
  firstError?: string;
}

export interface AwaitArgs {
  /** Keys every open client of this worker must have seen. */
  keys: string[];
  timeoutMs: number;
}

export interface AwaitResult {
  /** How many clients saw each key. */
  counts: Record<string, number>;
  clients: number;
  timedOut: boolean;
}

export interface CollectArgs {
  /** Only keys starting with it; collected records are forgotten. */
  prefix: string;
  /** Also the receive times (rooms mode) per key. */
  times?: boolean;
}

export interface CollectResult {
  /** events mode: every latency (ms) of the collected keys. */
  latencies: number[];
  /** How many clients saw each key. */
  counts: Record<string, number>;
  /** rooms mode: receive times per key. */
  times: Record<string, number[]>;
  /** The earliest and latest receive time among the collected records. */
  firstAt: number;
  lastAt: number;
}

export interface StatusResult {
  open: number;
  closed: number;
  /** Close codes of the clients that closed, with counts. */
  closeCodes: Record<string, number>;
  errors: number;
  /** events mode: events a subscriber got again or out of seq order (not recorded). */
  duplicates: number;
  firstError?: string;
}

export interface HttpRequestTemplate {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  /** Bodies used in turn; `__I__` is replaced by a number unique to the call. */
  bodies?: string[];
}

export interface HttpLoadArgs {
  /** http://host:port */
  base: string;
  request: HttpRequestTemplate;
  concurrency: number;
  /** Calls made before measuring (not counted). */
  warmupMs: number;
  durationMs: number;
  /** Makes `__I__` unique across workers. */
  idPrefix: string;
}

export interface HttpLoadResult {
  ok: number;
  failed: number;
  firstError?: string;
  /** Latencies (ms) of the measured calls. */
  latencies: number[];
  elapsedMs: number;
}

export interface SequentialArgs {
  base: string;
  ops: { name: string; request: HttpRequestTemplate }[];
  warmup: number;
  n: number;
  idPrefix: string;
}

export interface SequentialResult {
  /** Latencies (ms) per operation name. */
  latencies: Record<string, number[]>;
  firstError?: string;
}

export interface MovesArgs {
  base: string;
  key: string;
  /** Each player with the room it is in now; it moves to the next room of `rooms`, in turn. */
  players: { id: string; room: number }[];
  rooms: string[];
  /** Moves per second offered. */
  rate: number;
  durationMs: number;
  maxInFlight: number;
}

export interface MovesResult {
  offered: number;
  ok: number;
  failed: number;
  /** Moves not sent because every player was still moving or maxInFlight was reached. */
  skipped: number;
  firstError?: string;
  elapsedMs: number;
  /** Send times of the successful moves per `<roomId>|<playerId>|JOINED`, in order. */
  sends: Record<string, number[]>;
  callLatencies: number[];
}

/** Each command's arguments. */
export interface Args {
  connect: ConnectArgs;
  await: AwaitArgs;
  collect: CollectArgs;
  count: { contains: string };
  status: Record<string, never>;
  close: Record<string, never>;
  http: HttpLoadArgs;
  sequential: SequentialArgs;
  moves: MovesArgs;
}

export type Command = { [K in keyof Args]: { cmd: K; args: Args[K] } }[keyof Args];

export interface Results {
  connect: ConnectResult;
  await: AwaitResult;
  collect: CollectResult;
  /** Records (deliveries) of keys containing `contains`, not yet collected. */
  count: { total: number };
  status: StatusResult;
  close: { closed: number };
  http: HttpLoadResult;
  sequential: SequentialResult;
  moves: MovesResult;
}

export type Request = Command & { id: number };
export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
