-- What the `games` subscription needs (docs/realtime.md, "games"): a version per game that
-- rises with every change it reports, and the game's health as last reported.
--
-- `version` is raised by a trigger, in the changing statement, whenever a column a watcher sees
-- changes (its card, its status, its quotas, its key, its reported health): no path that
-- changes a game can forget it, and the row lock orders changes to one game, so a higher
-- version is always the later change. Heartbeats alone (last_heartbeat_at) and the stored-bytes
-- count do not raise it, and a change to the same value does not either.
ALTER TABLE "games" ADD COLUMN "version" BIGINT NOT NULL DEFAULT 1;

-- Set by the tick leader's health chore when the game's heartbeats stopped for
-- GAME_STALE_SECONDS (it reports STALE), cleared by its next heartbeat (which reports HEALTHY):
-- each transition is one row update, so it is reported once whichever node leads.
ALTER TABLE "games" ADD COLUMN "stale_since" TIMESTAMPTZ(3);

CREATE FUNCTION "bump_game_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."version" := OLD."version" + 1;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "game_version_bump"
  BEFORE UPDATE ON "games"
  FOR EACH ROW
  WHEN ((OLD."name", OLD."description", OLD."status", OLD."tick_every", OLD."api_key_hash", OLD."quotas",
         OLD."developer_id", OLD."developer_name", OLD."stale_since", OLD."player_event_types", OLD."tick_barrier")
        IS DISTINCT FROM
        (NEW."name", NEW."description", NEW."status", NEW."tick_every", NEW."api_key_hash", NEW."quotas",
         NEW."developer_id", NEW."developer_name", NEW."stale_since", NEW."player_event_types", NEW."tick_barrier"))
  EXECUTE FUNCTION "bump_game_version"();
