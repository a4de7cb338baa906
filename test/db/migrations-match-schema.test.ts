// Proves prisma/migrations and prisma/schema.prisma describe the same database: a fresh
// database migrated by our runner has exactly the tables, columns, types, nullability, enums
// and unique constraints the schema declares, and the generated client reads and writes every
// field of every model.
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../../server/src/platform/db/client.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/src/platform/db/embedded.ts";
import { migrate } from "../../server/src/platform/db/migrate.ts";
import { createTestDatabase, migrationNames, type TestDatabase } from "../support/database.ts";
import { parsePrismaSchema, type ParsedField } from "./prisma-schema-parser.ts";

const schema = parsePrismaSchema(fileURLToPath(new URL("../../prisma/schema.prisma", import.meta.url)));

/** The Postgres type (information_schema udt_name) each Prisma scalar may have. */
const UDT: Record<string, string[]> = {
  String: ["text", "uuid", "varchar"],
  Int: ["int4"],
  BigInt: ["int8"],
  Boolean: ["bool"],
  DateTime: ["timestamptz", "timestamp"],
  Json: ["jsonb", "json"],
};

function expectedUdts(f: ParsedField): string[] {
  const base = schema.enums.has(f.type) ? [f.type] : (UDT[f.type] ?? []);
  return f.list ? base.map((t) => `_${t}`) : base;
}

describe("migrations and schema.prisma", () => {
  let db: TestDatabase;
  let embedded: EmbeddedPostgres | undefined;
  let url: string;
  let client: pg.Client;
  let prisma: PrismaClient;

  beforeAll(async () => {
    // An empty database (not the test template), migrated from scratch by our runner.
    db = await createTestDatabase();
    if (db.url) {
      url = db.url;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      await c.end();
    } else {
      embedded = await startEmbeddedPostgres("memory://");
      url = embedded.url;
    }
    expect(await migrate(url)).toEqual(await migrationNames());
    client = new pg.Client({ connectionString: url });
    await client.connect();
    prisma = createPrismaClient(url, { embedded: embedded !== undefined });
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await client?.end();
    await embedded?.close();
    await db?.drop();
  });

  it("is recorded in _prisma_migrations as Prisma Migrate would, and a second run applies nothing", async () => {
    const { rows } = await client.query(
      `SELECT migration_name, length(checksum) AS len, finished_at IS NOT NULL AS done, applied_steps_count
         FROM _prisma_migrations`,
    );
    expect(rows).toEqual(
      (await migrationNames()).map((migration_name) => ({
        migration_name,
        len: 64,
        done: true,
        applied_steps_count: 1,
      })),
    );
    expect(await migrate(url)).toEqual([]);
  });

  it("has exactly the tables of the models", async () => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual(schema.models.map((m) => m.table).sort());
  });

  describe.each(schema.models.map((m) => [m.name, m] as const))("model %s", (_name, model) => {
    it("has exactly its fields as columns, with their types and nullability", async () => {
      const { rows } = await client.query<{ column_name: string; udt_name: string; is_nullable: string }>(
        `SELECT column_name, udt_name, is_nullable FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = $1`,
        [model.table],
      );
      const scalars = model.fields.filter((f) => !f.relation);
      expect(rows.map((r) => r.column_name).sort()).toEqual(scalars.map((f) => f.column).sort());
      for (const f of scalars) {
        const col = rows.find((r) => r.column_name === f.column)!;
        expect(expectedUdts(f), `${model.name}.${f.name} type`).toContain(col.udt_name);
        // Prisma declares scalar lists without NOT NULL.
        const nullable = f.optional || f.list;
        expect(col.is_nullable, `${model.name}.${f.name} nullability`).toBe(nullable ? "YES" : "NO");
      }
    });

    it("has a unique index for each @unique and @@unique", async () => {
      const { rows } = await client.query<{ cols: string[] }>(
        `SELECT array_agg(a.attname ORDER BY k.ord)::text[] AS cols
           FROM pg_index i
           JOIN pg_class t ON t.oid = i.indrelid
           CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
          WHERE t.relname = $1 AND i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL
          GROUP BY i.indexrelid`,
        [model.table],
      );
      const actual = rows.map((r) => r.cols.join(",")).sort();
      expect(actual).toEqual(model.uniques.map((u) => u.join(",")).sort());
    });
  });

  it("has exactly the partial unique indexes the schema's comments name", async () => {
    const { rows } = await client.query<{ def: string }>(
      `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
        WHERE i.indisunique AND i.indpred IS NOT NULL`,
    );
    expect(rows.map((r) => r.def)).toEqual([
      "CREATE UNIQUE INDEX events_source_idempotency_key_key ON public.events USING btree (source_game_id, source_player_id, idempotency_key) NULLS NOT DISTINCT WHERE (idempotency_key IS NOT NULL)",
    ]);
  });

  it("has the enums with the schema's values", async () => {
    const { rows } = await client.query<{ name: string; labels: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.name, r.labels]))).toEqual(Object.fromEntries(schema.enums));
  });

  it("lets the client write and read every field of every model", async () => {
    const dev = await prisma.developer.create({ data: { name: "Dev", keyHash: "h-dev" } });
    const game = await prisma.game.create({
      data: {
        id: "schema-test",
        name: "G",
        developerId: dev.id,
        developerName: "Dev",
        description: "d",
        status: "PAUSED",
        tickEvery: 3,
        apiKeyHash: "h-game",
        registeredAt: new Date("2026-01-01T00:00:00.000Z"),
        lastHeartbeatAt: new Date("2026-01-02T00:00:00.000Z"),
      },
    });
    const realm = await prisma.realm.create({
      data: { gameId: game.id, name: "R", realmType: "t", adjacency: "a", resonance: "r" },
    });
    const room = await prisma.room.create({
      data: { realmId: realm.id, name: "Room", description: "x", version: 2n ** 62n },
    });
    const player = await prisma.player.create({
      data: {
        gameId: game.id,
        externalId: "e",
        displayName: "P",
        roomId: room.id,
        lastSeenAt: new Date("2026-01-03T00:00:00.000Z"),
      },
    });
    const event = await prisma.event.create({
      data: {
        seq: 2n ** 62n + 1n,
        type: "t",
        sourceGameId: game.id,
        targetGameId: game.id,
        targetRealm: { realmType: "t" },
        recipientGameIds: [game.id, "other"],
        broadcast: false,
        data: { nested: [1, "two", null] },
        delivery: "NEXT_TICK",
        status: "DELIVERED",
        tick: 7n,
        idempotencyKey: "k",
        requestHash: "h",
        deliveredAt: new Date("2026-01-04T00:00:00.000Z"),
      },
    });
    const state = await prisma.universeState.update({
      where: { id: 1 },
      data: { lastSeq: 5n, currentTick: 6n, tickAt: new Date("2026-01-05T00:00:00.000Z") },
    });

    const read = await prisma.game.findUniqueOrThrow({
      where: { id: game.id },
      include: { developer: true, realms: { include: { rooms: { include: { players: true } } } }, sentEvents: true },
    });
    expect(read).toMatchObject({ ...game, developer: dev });
    expect(read.realms).toEqual([{ ...realm, rooms: [{ ...room, players: [player] }] }]);
    expect(read.sentEvents).toEqual([event]);
    expect(await prisma.universeState.findUniqueOrThrow({ where: { id: 1 } })).toEqual(state);
  });
});
