-- What each game's events hold in the log: the bytes of their `data` as Postgres writes it back
-- (octet_length(data::text)), raised by the statement that stores them and lowered by
-- retention's, so the storedEventBytes quota is checked without summing the log.
ALTER TABLE "games" ADD COLUMN "stored_event_bytes" BIGINT NOT NULL DEFAULT 0;

UPDATE "games" g SET "stored_event_bytes" = s."bytes"
  FROM (SELECT "source_game_id", sum(octet_length("data"::text))::bigint AS "bytes"
          FROM "events" WHERE "source_game_id" IS NOT NULL GROUP BY "source_game_id") s
 WHERE g."id" = s."source_game_id";
