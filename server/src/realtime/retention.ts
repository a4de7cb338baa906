import type { PrismaClient } from "../db/client.ts";

/** Events deleted per statement, and how long one pass may go on. */
const BATCH = 10_000;
const PASS_MS = 5_000;

/**
 * Deletes delivered events older than `hours`, oldest first, and records the highest pruned
 * seq in universe_state.pruned_seq, so `events(since)` before it is refused rather than
 * silently skipped. Returns how many it deleted. The tick leader runs it once a minute.
 */
export async function pruneEvents(prisma: PrismaClient, hours: number): Promise<number> {
  const cutoff = new Date(Date.now() - hours * 3_600_000);
  const started = performance.now();
  let total = 0;
  for (;;) {
    const n = await pruneBatch(prisma, cutoff);
    total += n;
    if (n < BATCH || performance.now() - started > PASS_MS) return total;
  }
}

async function pruneBatch(prisma: PrismaClient, cutoff: Date): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ seq: bigint | null; n: bigint }[]>`
      WITH gone AS (
        DELETE FROM events WHERE id IN (
          SELECT id FROM events WHERE status = 'DELIVERED' AND delivered_at < ${cutoff}
           ORDER BY seq LIMIT ${BATCH})
        RETURNING seq)
      SELECT max(seq) AS seq, count(*) AS n FROM gone`;
    if (row?.seq) {
      await tx.$executeRaw`UPDATE universe_state SET pruned_seq = GREATEST(pruned_seq, ${row.seq}) WHERE id = 1`;
    }
    return Number(row?.n ?? 0);
  });
}
