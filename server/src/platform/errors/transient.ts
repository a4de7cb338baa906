/** Socket and Postgres error codes that say "not now" rather than "never" (SQLSTATE 08xxx, 53300, 57Pxx). */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "53300",
  "57P01",
  "57P02",
  "57P03",
  // Prisma: can't reach the database, timed out, connection closed, pool timeout.
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
]);

/** Prisma's driver-adapter error kinds for the same. */
const TRANSIENT_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** Messages of drivers that carry no code for it (pg's pool, ioredis). */
const TRANSIENT_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Connection is closed|Can't reach database server|MaxRetriesPerRequest/i;

/**
 * Whether `err` (or what it wraps: `cause`, `originalError`) is a dependency that is away for a
 * moment (Postgres or Redis unreachable, restarting, out of connections), which the client
 * should retry, rather than a bug.
 */
export function isTransient(err: unknown, depth = 0): boolean {
  if (typeof err !== "object" || err === null || depth > 5) return false;
  const e = err as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown; originalError?: unknown };
  if (typeof e.code === "string" && TRANSIENT_CODES.has(e.code)) return true;
  if (typeof e.kind === "string" && TRANSIENT_KINDS.has(e.kind)) return true;
  if (typeof e.message === "string" && TRANSIENT_MESSAGE.test(e.message)) return true;
  return isTransient(e.cause, depth + 1) || isTransient(e.originalError, depth + 1);
}
