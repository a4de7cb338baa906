-- CreateEnum
CREATE TYPE "GameStatus" AS ENUM ('ACTIVE', 'PAUSED', 'UNREGISTERED');

-- CreateEnum
CREATE TYPE "EventDelivery" AS ENUM ('IMMEDIATE', 'NEXT_TICK');

-- CreateEnum
CREATE TYPE "EventStatus" AS ENUM ('PENDING', 'DELIVERED');

-- CreateTable
CREATE TABLE "developers" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "developers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "games" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "developer_id" UUID,
    "developer_name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "status" "GameStatus" NOT NULL DEFAULT 'ACTIVE',
    "tick_every" INTEGER NOT NULL DEFAULT 1,
    "api_key_hash" TEXT NOT NULL,
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_heartbeat_at" TIMESTAMPTZ(3),

    CONSTRAINT "games_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "realms" (
    "id" UUID NOT NULL,
    "game_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "realm_type" TEXT NOT NULL,
    "adjacency" TEXT NOT NULL,
    "resonance" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "realms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rooms" (
    "id" UUID NOT NULL,
    "realm_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "version" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rooms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "players" (
    "id" UUID NOT NULL,
    "game_id" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "room_id" UUID,
    "last_seen_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "players_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" UUID NOT NULL,
    "seq" BIGINT,
    "type" TEXT NOT NULL,
    "source_game_id" TEXT,
    "target_game_id" TEXT,
    "target_realm" JSONB,
    "recipient_game_ids" TEXT[],
    "broadcast" BOOLEAN NOT NULL,
    "data" JSONB NOT NULL,
    "delivery" "EventDelivery" NOT NULL,
    "status" "EventStatus" NOT NULL,
    "tick" BIGINT,
    "idempotency_key" TEXT,
    "request_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "universe_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "last_seq" BIGINT NOT NULL DEFAULT 0,
    "current_tick" BIGINT NOT NULL DEFAULT 0,
    "tick_at" TIMESTAMPTZ(3),

    CONSTRAINT "universe_state_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "developers_name_key" ON "developers"("name");

-- CreateIndex
CREATE UNIQUE INDEX "developers_key_hash_key" ON "developers"("key_hash");

-- CreateIndex
CREATE UNIQUE INDEX "games_api_key_hash_key" ON "games"("api_key_hash");

-- CreateIndex
CREATE INDEX "games_developer_id_idx" ON "games"("developer_id");

-- CreateIndex
CREATE INDEX "realms_realm_type_adjacency_resonance_idx" ON "realms"("realm_type", "adjacency", "resonance");

-- CreateIndex
CREATE UNIQUE INDEX "realms_game_id_name_key" ON "realms"("game_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "rooms_realm_id_name_key" ON "rooms"("realm_id", "name");

-- CreateIndex
CREATE INDEX "players_room_id_idx" ON "players"("room_id");

-- CreateIndex
CREATE UNIQUE INDEX "players_game_id_external_id_key" ON "players"("game_id", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "events_seq_key" ON "events"("seq");

-- CreateIndex
CREATE INDEX "events_status_created_at_idx" ON "events"("status", "created_at");

-- CreateIndex
CREATE INDEX "events_source_game_id_seq_idx" ON "events"("source_game_id", "seq");

-- CreateIndex
CREATE INDEX "events_recipient_game_ids_idx" ON "events" USING GIN ("recipient_game_ids");

-- CreateIndex: an idempotency key is unique per source game, only where one is given (partial,
-- which schema.prisma cannot express); NULLS NOT DISTINCT so an admin's events (no source game)
-- share one key space.
CREATE UNIQUE INDEX "events_source_game_id_idempotency_key_key" ON "events"("source_game_id", "idempotency_key") NULLS NOT DISTINCT WHERE "idempotency_key" IS NOT NULL;

-- AddForeignKey
ALTER TABLE "games" ADD CONSTRAINT "games_developer_id_fkey" FOREIGN KEY ("developer_id") REFERENCES "developers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "realms" ADD CONSTRAINT "realms_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_realm_id_fkey" FOREIGN KEY ("realm_id") REFERENCES "realms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "players" ADD CONSTRAINT "players_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "players" ADD CONSTRAINT "players_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_source_game_id_fkey" FOREIGN KEY ("source_game_id") REFERENCES "games"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_target_game_id_fkey" FOREIGN KEY ("target_game_id") REFERENCES "games"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The singleton sequencer row.
INSERT INTO "universe_state" ("id") VALUES (1);
