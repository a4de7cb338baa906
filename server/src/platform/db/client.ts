import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../generated/prisma/client.ts";

export type { PrismaClient };
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export interface PrismaClientOptions {
  /** Limits the pool to one connection: PGlite serves a single session. */
  embedded?: boolean;
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
 * A Prisma client over `pg`. `embedded` limits the pool to one connection, because PGlite
 * serves a single session: queries from several connections could interleave.
 */
export function createPrismaClient(url: string, { embedded = false, onQuery }: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: url,
    max: embedded ? 1 : 10,
    connectionTimeoutMillis: 5_000,
    ...(onQuery ? { Client: countingClient(onQuery) } : {}),
  });
  return new PrismaClient({ adapter });
}
