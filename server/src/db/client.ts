import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type { PrismaClient };
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/**
 * A Prisma client over `pg`. `embedded` limits the pool to one connection, because PGlite
 * serves a single session: queries from several connections could interleave.
 */
export function createPrismaClient(url: string, { embedded = false } = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: url,
    max: embedded ? 1 : 10,
    connectionTimeoutMillis: 5_000,
  });
  return new PrismaClient({ adapter });
}
