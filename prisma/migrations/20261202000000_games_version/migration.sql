-- CreateTable: a counter that moves whenever what the control tick needs to know of the games
-- changes (a game added or removed, its status or tickEvery changed). The tick leader and each
-- node's tick hub re-read games only when it moved, so an idle tick costs the same however
-- many games there are. A table of its own, not a universe_state column: a game's transaction
-- holds this row until it commits, and must not hold up publishes and ticks meanwhile.
CREATE TABLE "games_version" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "games_version_pkey" PRIMARY KEY ("id")
);

INSERT INTO "games_version" ("id") VALUES (1);

-- Raised in the changing transaction itself, so the new version is visible exactly when the
-- change is (a sequence would be visible before the commit). Once per statement, whatever the
-- number of rows; heartbeats (last_heartbeat_at) do not move it.
CREATE FUNCTION "bump_games_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "games_version" SET "version" = "version" + 1 WHERE "id" = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "games_version_bump"
  AFTER INSERT OR DELETE OR UPDATE OF "status", "tick_every" ON "games"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_games_version"();

-- Whether any event waits for a tick. The tick asks in the RETURNING of its one statement, after
-- it took the universe_state row lock; a VOLATILE function reads with a snapshot of its own,
-- taken then, so events published while the tick waited for the lock count (a subquery would
-- see the statement's older snapshot). plpgsql, so it is never inlined.
CREATE FUNCTION "events_pending"() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM "events" WHERE "status" = 'PENDING');
END;
$$;
