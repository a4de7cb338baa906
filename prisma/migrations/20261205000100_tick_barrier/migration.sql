-- The tick barrier: a game that opts in (updateGame tickBarrier: true) reports each of its
-- ticks with completeTick, and the tick leader waits for it (up to TICK_BARRIER_MS) before the
-- next tick. The leader reads who opted in with the games' tick rates, which it re-reads only
-- when the games version moves: so a change of tick_barrier moves it too.
ALTER TABLE "games" ADD COLUMN "tick_barrier" BOOLEAN NOT NULL DEFAULT false;

DROP TRIGGER "games_version_bump" ON "games";

CREATE TRIGGER "games_version_bump"
  AFTER DELETE OR UPDATE OF "status", "tick_every", "tick_barrier" ON "games"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_games_version"();
