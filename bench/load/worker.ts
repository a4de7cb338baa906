// A load worker: a process of its own that holds clients (graphql-ws sockets, Colyseus rooms) or
// makes HTTP calls for the benchmark driver, which commands it over IPC (bench/load/protocol.ts).
// Load never runs in a server's process or on the driver's event loop.
import { httpClient, bodyOf, failureOf } from "./http-client.ts";
import { subscriber, type Subscriber } from "./graphql-ws-client.ts";
import type {
  AwaitArgs,
  AwaitResult,
  CollectArgs,
  CollectResult,
  ConnectArgs,
  ConnectResult,
  HttpLoadArgs,
  HttpLoadResult,
  MovesArgs,
  MovesResult,
  Reply,
  Request,
  SequentialArgs,
  SequentialResult,
  StatusResult,
} from "./protocol.ts";

const now = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// Subscribers and what they received

interface Client {
  close(): void;
  open: boolean;
}

const clients: Client[] = [];
let closed = 0;
const closeCodes: Record<string, number> = {};
let errors = 0;
let firstError: string | undefined;

/** Per key: how many clients saw it, their latencies (events) or receive times (rooms). */
const seen = new Map<string, { count: number; values: number[]; first: number; last: number }>();

function record(key: string, value: number, at: number): void {
  const e = seen.get(key);
  if (e) {
    e.count++;
    e.values.push(value);
    if (at > e.last) e.last = at;
  } else {
    seen.set(key, { count: 1, values: [value], first: at, last: at });
  }
}

const K = /"k":"([^"]*)"/;
const SENT_AT = /"sentAt":([-0-9.eE+]+)/;
const SEQ = /"seq":"(\d+)"/;

let duplicates = 0;

/** A recorder for one events subscriber: also counts events that are not after the last one it had (by seq). */
function eventsRecorder(): (text: string) => void {
  let lastSeq = 0;
  return (text) => {
    const seq = Number(SEQ.exec(text)?.[1] ?? NaN);
    if (seq <= lastSeq) {
      duplicates++;
      firstError ??= `seq ${seq} after ${lastSeq}: a repeat or out of order`;
      return;
    }
    lastSeq = seq;
    onEvent(text);
  };
}

function onEvent(text: string): void {
  const at = now();
  const k = K.exec(text)?.[1];
  const sentAt = SENT_AT.exec(text)?.[1];
  if (k === undefined || sentAt === undefined) return;
  record(k, at - Number(sentAt), at);
}

function roomsRecorder(): (text: string) => void {
  const occurrences = new Map<string, number>();
  return (text) => {
    const at = now();
    const m = (JSON.parse(text) as { payload?: { data?: { roomOccupants?: RoomMessage } } }).payload?.data
      ?.roomOccupants;
    if (!m) return;
    if (!m.change) return record("snapshot", at, at);
    // Presence changes (CONNECTED, EXPIRED …) are not what the scenario times.
    if (m.change.cause !== "MOVED") return record("presence", at, at);
    const base = `${m.roomId}|${m.change.playerId}|${m.change.kind}`;
    const n = occurrences.get(base) ?? 0;
    occurrences.set(base, n + 1);
    record(`${base}#${n}`, at, at);
  };
}

interface RoomMessage {
  roomId: string;
  change: { kind: string; playerId: string; cause: string } | null;
}

function onClosed(client: Client, code: number, reason: string): void {
  if (!client.open) return;
  client.open = false;
  closed++;
  closeCodes[String(code)] = (closeCodes[String(code)] ?? 0) + 1;
  if (code !== 1000 && code !== 1005) {
    errors++;
    firstError ??= `closed ${code} ${reason}`;
  }
}

/** Colyseus joins in flight at once per worker. */
const JOINS = 50;

interface ColyseusSdk {
  Client: new (url: string) => {
    joinOrCreate(name: string): Promise<{
      onMessage(type: string, f: (m: { k: string; sentAt: number }) => void): void;
      onLeave(f: (code: number) => void): void;
      leave(consented?: boolean): Promise<number>;
    }>;
  };
}

async function connect(a: ConnectArgs): Promise<ConnectResult> {
  let opened = 0;
  let failed = 0;
  let error: string | undefined;
  const fail = (err: unknown) => {
    failed++;
    error ??= err instanceof Error ? err.message : String(err);
  };
  if (a.kind === "colyseus") {
    const sdk = (await import("@colyseus/sdk" as string)) as ColyseusSdk;
    const colyseus = new sdk.Client(a.url);
    // Joins go through Colyseus's HTTP matchmaker: at most JOINS at a time, each tried 3 times
    // (a thousand at once overflow its listen backlog).
    let next = 0;
    const join = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await colyseus.joinOrCreate("bench");
        } catch (err) {
          if (attempt === 3) throw err;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(JOINS, a.count) }, async () => {
        while (next < a.count) {
          next++;
          try {
            const room = await join();
            const client: Client = { open: true, close: () => void room.leave(true).catch(() => undefined) };
            room.onMessage("event", (m) => {
              const at = now();
              record(m.k, at - m.sentAt, at);
            });
            room.onLeave((code) => onClosed(client, code, "left"));
            clients.push(client);
            opened++;
          } catch (err) {
            fail(err);
          }
        }
      }),
    );
    return { opened, failed, ...(error ? { firstError: error } : {}) };
  }
  const subs: { s: Subscriber; client: Client }[] = [];
  for (let i = 0; i < a.count; i++) {
    const payload = Array.isArray(a.payloads) ? (a.payloads[i] ?? null) : a.payloads;
    const sub = Array.isArray(a.subscribe) ? a.subscribe[i % a.subscribe.length]! : a.subscribe!;
    const client: Client = { open: false, close: () => undefined };
    const s = subscriber({
      url: a.url,
      payload,
      query: sub.query,
      ...(sub.variables ? { variables: sub.variables } : {}),
      ...(a.localAddress ? { localAddress: a.localAddress } : {}),
      onNext: a.mode === "events" ? eventsRecorder() : roomsRecorder(),
      onClose: (code, reason) => onClosed(client, code, reason),
    });
    client.close = () => s.close();
    subs.push({ s, client });
  }
  await Promise.all(
    subs.map(async ({ s, client }) => {
      try {
        await s.opened;
        client.open = true;
        clients.push(client);
        opened++;
      } catch (err) {
        fail(err);
      }
    }),
  );
  return { opened, failed, ...(error ? { firstError: error } : {}) };
}

const openClients = () => clients.reduce((n, c) => n + (c.open ? 1 : 0), 0);

async function awaitKeys(a: AwaitArgs): Promise<AwaitResult> {
  const deadline = performance.now() + a.timeoutMs;
  const counts = () => Object.fromEntries(a.keys.map((k) => [k, seen.get(k)?.count ?? 0]));
  for (;;) {
    const open = openClients();
    const c = counts();
    if (a.keys.every((k) => c[k]! >= open)) return { counts: c, clients: open, timedOut: false };
    if (performance.now() > deadline) return { counts: c, clients: open, timedOut: true };
    await new Promise((r) => setTimeout(r, 20));
  }
}

function collect(a: CollectArgs): CollectResult {
  const out: CollectResult = { latencies: [], counts: {}, times: {}, firstAt: Infinity, lastAt: -Infinity };
  for (const [key, e] of seen) {
    if (!key.startsWith(a.prefix)) continue;
    out.counts[key] = e.count;
    if (a.times) out.times[key] = e.values;
    else for (const v of e.values) out.latencies.push(v);
    out.firstAt = Math.min(out.firstAt, e.first);
    out.lastAt = Math.max(out.lastAt, e.last);
    seen.delete(key);
  }
  return out;
}

function status(): StatusResult {
  return { open: openClients(), closed, closeCodes, errors, duplicates, ...(firstError ? { firstError } : {}) };
}

function closeAll(): { closed: number } {
  const n = clients.length;
  for (const c of clients) {
    c.open = false;
    c.close();
  }
  clients.length = 0;
  seen.clear();
  return { closed: n };
}

// ---------------------------------------------------------------------------------------------
// HTTP load

async function httpLoad(a: HttpLoadArgs): Promise<HttpLoadResult> {
  const client = httpClient(a.base, a.concurrency);
  const headers = { "content-type": "application/json", ...a.request.headers };
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let error: string | undefined;
  let i = 0;
  const start = performance.now();
  const measureFrom = start + a.warmupMs;
  const end = measureFrom + a.durationMs;
  await Promise.all(
    Array.from({ length: a.concurrency }, async () => {
      while (performance.now() < end) {
        const n = i++;
        const t = performance.now();
        let failure: string | undefined;
        try {
          failure = failureOf(
            await client.call(a.request.method, a.request.path, headers, bodyOf(a.request, n, `${a.idPrefix}${n}`)),
          );
        } catch (err) {
          failure = String(err);
        }
        if (t < measureFrom) continue;
        if (failure) {
          failed++;
          error ??= failure;
        } else {
          ok++;
          latencies.push(performance.now() - t);
        }
      }
    }),
  );
  const elapsedMs = performance.now() - measureFrom;
  client.close();
  return { ok, failed, latencies, elapsedMs, ...(error ? { firstError: error } : {}) };
}

async function sequential(a: SequentialArgs): Promise<SequentialResult> {
  const client = httpClient(a.base, 1);
  const out: SequentialResult = { latencies: {} };
  let n = 0;
  for (const op of a.ops) {
    const headers = { "content-type": "application/json", ...op.request.headers };
    const times: number[] = [];
    for (let i = 0; i < a.warmup + a.n; i++) {
      const id = `${a.idPrefix}${n++}`;
      const t = performance.now();
      const answer = await client.call(op.request.method, op.request.path, headers, bodyOf(op.request, i, id));
      const failure = failureOf(answer);
      if (failure) out.firstError ??= `${op.name}: ${failure}`;
      if (i >= a.warmup) times.push(performance.now() - t);
    }
    out.latencies[op.name] = times;
  }
  client.close();
  return out;
}

/** movePlayer offered at a fixed rate (open loop), each player moving one room on at a time. */
async function moves(a: MovesArgs): Promise<MovesResult> {
  const client = httpClient(a.base, a.maxInFlight);
  const headers = { "content-type": "application/json", authorization: `Bearer ${a.key}` };
  const out: MovesResult = {
    offered: 0,
    ok: 0,
    failed: 0,
    skipped: 0,
    elapsedMs: 0,
    sends: {},
    callLatencies: [],
  };
  const free = a.players.map((p) => ({ ...p }));
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const move = (p: { id: string; room: number }) => {
    const target = (p.room + 1) % a.rooms.length;
    const roomId = a.rooms[target]!;
    const body = JSON.stringify({
      query: "mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id } }",
      variables: { p: p.id, r: roomId },
    });
    inFlight++;
    const sentAt = now();
    const t = performance.now();
    const done = client
      .call("POST", "/graphql", headers, body)
      .then(failureOf, (err: unknown) => String(err))
      .then((failure) => {
        if (failure) {
          out.failed++;
          out.firstError ??= failure;
        } else {
          out.ok++;
          out.callLatencies.push(performance.now() - t);
          p.room = target;
          (out.sends[`${roomId}|${p.id}|JOINED`] ??= []).push(sentAt);
        }
      })
      .finally(() => {
        inFlight--;
        free.push(p);
        pending.delete(done);
      });
    pending.add(done);
  };
  const start = performance.now();
  while (performance.now() - start < a.durationMs) {
    const due = Math.floor(((performance.now() - start) * a.rate) / 1000) - out.offered;
    for (let i = 0; i < due; i++) {
      out.offered++;
      const p = inFlight < a.maxInFlight ? free.shift() : undefined;
      if (p) move(p);
      else out.skipped++;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(pending);
  out.elapsedMs = performance.now() - start;
  client.close();
  return out;
}

// ---------------------------------------------------------------------------------------------

async function handle(r: Request): Promise<unknown> {
  switch (r.cmd) {
    case "connect":
      return connect(r.args);
    case "await":
      return awaitKeys(r.args);
    case "collect":
      return collect(r.args);
    case "count":
      return { total: [...seen].reduce((n, [k, e]) => n + (k.includes(r.args.contains) ? e.count : 0), 0) };
    case "status":
      return status();
    case "close":
      return closeAll();
    case "http":
      return httpLoad(r.args);
    case "sequential":
      return sequential(r.args);
    case "moves":
      return moves(r.args);
  }
}

process.on("message", (r: Request) => {
  void handle(r).then(
    (result) => process.send!({ id: r.id, ok: true, result } satisfies Reply),
    (err: unknown) =>
      process.send!({ id: r.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
// The driver went away: so does the worker.
process.on("disconnect", () => process.exit(0));
process.send!({ id: 0, ok: true, result: "ready" } satisfies Reply);
