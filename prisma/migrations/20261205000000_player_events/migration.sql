-- Players talk: events to a room or a player, and events a player sent (issue 13).
-- The ids are the log's record of who and where, so no foreign keys: a room or player deleted
-- later leaves its events as they were.
ALTER TABLE "events" ADD COLUMN "source_player_id" UUID;
ALTER TABLE "events" ADD COLUMN "target_room_id" UUID;
ALTER TABLE "events" ADD COLUMN "target_player_id" UUID;
-- The players who may see the event, fixed when it is published (Prisma's lists are nullable
-- columns; every insert writes one): a room event's are the room's
-- players then; a player event's, its target and its sender. Empty for every other event.
ALTER TABLE "events" ADD COLUMN "audience_player_ids" UUID[] DEFAULT '{}';
CREATE INDEX "events_audience_player_ids_idx" ON "events" USING GIN ("audience_player_ids");
CREATE INDEX "events_target_room_id_seq_idx" ON "events" ("target_room_id", "seq") WHERE "target_room_id" IS NOT NULL;

-- A player's idempotency keys are its own: unique per (source game, source player, key).
DROP INDEX "events_source_game_id_idempotency_key_key";
CREATE UNIQUE INDEX "events_source_idempotency_key_key" ON "events"("source_game_id", "source_player_id", "idempotency_key")
  NULLS NOT DISTINCT WHERE "idempotency_key" IS NOT NULL;

-- The event types a game's players may publish (none until the game lists them).
ALTER TABLE "games" ADD COLUMN "player_event_types" TEXT[] DEFAULT '{}';
