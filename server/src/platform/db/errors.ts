import { Prisma } from "../../generated/prisma/client.ts";

/**
 * True when `err` is a unique-constraint violation: P2002 from a model query, or P2010 (a raw
 * query failed) whose driver error is Postgres' 23505.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (err.code === "P2002") return true;
  const cause = (err.meta?.["driverAdapterError"] as { cause?: { kind?: string; originalCode?: string } } | undefined)
    ?.cause;
  return err.code === "P2010" && (cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505");
}
