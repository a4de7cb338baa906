-- The games version becomes the sum of 64 counters (slots) instead of one row. With one row,
-- every transaction that added or changed a game held that row's lock until it committed (its
-- WAL flush included), so registrations from any number of callers ran one at a time. Now the
-- trigger raises the slot of its connection (backend pid modulo 64): transactions on different
-- connections take different rows, and a connection runs one transaction at a time. The tick
-- reads the sum in its one statement. Each slot only grows, so the sum moves with every
-- committed change, exactly when it commits, and never comes back to a value it had.
ALTER TABLE "games_version" ALTER COLUMN "id" DROP DEFAULT;

-- Slot 1 is the former single row and keeps its version: the sum starts where the version was.
INSERT INTO "games_version" ("id") SELECT "s" FROM generate_series(0, 63) AS "s" ON CONFLICT ("id") DO NOTHING;

CREATE OR REPLACE FUNCTION "bump_games_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "games_version" SET "version" = "version" + 1 WHERE "id" = pg_backend_pid() % 64;
  RETURN NULL;
END;
$$;

-- An INSERT moves the version only when it added a game: a registration whose id is taken
-- (skipped by ON CONFLICT DO NOTHING) changes nothing, the version included.
CREATE FUNCTION "bump_games_version_if_added"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "added") THEN
    UPDATE "games_version" SET "version" = "version" + 1 WHERE "id" = pg_backend_pid() % 64;
  END IF;
  RETURN NULL;
END;
$$;

DROP TRIGGER "games_version_bump" ON "games";

CREATE TRIGGER "games_version_bump"
  AFTER DELETE OR UPDATE OF "status", "tick_every" ON "games"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_games_version"();

CREATE TRIGGER "games_version_bump_added"
  AFTER INSERT ON "games" REFERENCING NEW TABLE AS "added"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_games_version_if_added"();
