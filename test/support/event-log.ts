import type { PrismaClient } from "../../server/src/platform/db/client.ts";

/**
 * Appends `n` delivered broadcast events of `type` to the log in one statement, taking their
 * seqs as a publish does (under the `universe_state` row lock), without the bus hearing of them.
 * Returns the seq just before them. For backlogs too long to publish one by one. `dataBytes`
 * pads each event's `data` to about that size.
 */
export async function appendEvents(
  prisma: PrismaClient,
  n: number,
  type = "bulk",
  { dataBytes = 0 }: { dataBytes?: number } = {},
): Promise<bigint> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`appendEvents: n must be a positive integer, not ${n}`);
  const [row] = await prisma.$queryRawUnsafe<{ since: bigint }[]>(
    `
    WITH s AS (UPDATE universe_state SET last_seq = last_seq + ${n} WHERE id = 1 RETURNING last_seq - ${n} AS since),
         ins AS (INSERT INTO events (id, seq, type, recipient_game_ids, broadcast, data, delivery, status, request_hash, delivered_at)
                 SELECT gen_random_uuid(), s.since + g, $1, '{}', true,
                        CASE WHEN $2::int > 0 THEN jsonb_build_object('pad', repeat('x', $2::int)) ELSE '{}' END,
                        'IMMEDIATE', 'DELIVERED', 'bulk', now()
                   FROM s, generate_series(1, ${n}) AS g)
    SELECT since FROM s`,
    type,
    dataBytes,
  );
  return BigInt(row!.since);
}
