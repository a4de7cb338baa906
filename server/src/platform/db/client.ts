import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../generated/prisma/client.ts";

export type { PrismaClient };
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export interface PrismaClientOptions {
  /**
   * PGlite: limits the pool to one connection (PGlite serves a single session) and prepares
   * nothing (after an execution that fails there, pg parses the statement again, and PGlite
   * refuses it: "prepared statement already exists").
   */
  embedded?: boolean;
  /** Most connections in the pool; default 10 (1 when `embedded`, whatever this says). */
  connections?: number;
  /**
   * How long a query waits for a free connection, or for a new one to connect, before it fails
   * ("timeout exceeded when trying to connect": transient, so SERVICE_UNAVAILABLE); default 5000 ms.
   */
  timeoutMs?: number;
  /** Called for every statement sent to Postgres (BEGIN and COMMIT included): the query counter. */
  onQuery?: () => void;
}

/**
 * A pg client class that calls `onQuery` for every statement it sends. Both of the adapter's
 * paths go through it: plain queries (`pool.query` checks a client out) and transactions.
 */
function countingClient(onQuery: () => void): typeof pg.Client {
  return class CountingClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      const query = this.query.bind(this) as (...args: unknown[]) => unknown;
      this.query = ((...args: unknown[]) => {
        onQuery();
        return query(...args);
      }) as pg.Client["query"];
    }
  };
}

/**
 * A raw statement that starts with this comment (`/* prepared: <name> *\/ …`) is prepared once
 * per connection under that name and its plan reused, instead of being parsed and planned on
 * every call: for a hot statement of fixed text (every value a parameter), such as the group
 * commit's insert. One name, one text: pg refuses a name reused for another statement.
 */
const PREPARED = /^\/\* prepared: ([\w-]+) \*\//;

/** The prepared statement's name for `sql`, or none (sent unnamed, planned each time). */
const statementName = ({ sql }: { sql: string }): string => PREPARED.exec(sql)?.[1] as string;

/**
 * A Prisma client over `pg`. `embedded` limits the pool to one connection, because PGlite
 * serves a single session: queries from several connections could interleave.
 */
export function createPrismaClient(
  url: string,
  { embedded = false, connections = 10, timeoutMs = 5_000, onQuery }: PrismaClientOptions = {},
): PrismaClient {
  const adapter = new PrismaPg(
    {
      connectionString: url,
      max: embedded ? 1 : connections,
      connectionTimeoutMillis: timeoutMs,
      ...(onQuery ? { Client: countingClient(onQuery) } : {}),
    },
    embedded ? {} : { statementNameGenerator: statementName },
  );
  return new PrismaClient({ adapter });
}
