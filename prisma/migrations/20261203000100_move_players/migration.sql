-- Moves players between rooms, in order, in ONE call: the caller's statement is the transaction,
-- so the rows it locks are held for the time Postgres takes, never for a round trip to the
-- server. For each move it raises the version of the room the player leaves and of the room it
-- enters (neither when it stays), and sets the player's room and last_seen_at.
--
-- It answers two kinds of rows:
-- - one per move (`step` = its place in the arrays, from 1), with its `outcome`: 'moved' (the
--   player's row after the move, the room it left, and the versions it gave the two rooms; a
--   version is null for a room that did not change), 'player_not_found' (no such player of
--   that game) or 'room_not_found' (no such room of that game); those two change nothing;
-- - first, with `step` null: the players of every room the call may change, and the movers,
--   as they were before the first move, ordered by display_name then id (the occupant order).
--   From them and the moves, the caller tells each room's list at each version it gave, with
--   no read of its own: the rooms were locked before these were read, so no other move into or
--   out of them falls in between.
--
-- Locks: the movers' rows, then the rooms, each in id order, so two calls (on any node) never
-- wait for each other in a cycle. A presence change locks only its room. plpgsql, so every
-- statement reads with a snapshot taken when it starts: after the locks are held.
CREATE FUNCTION "move_players"(p_players UUID[], p_games TEXT[], p_rooms UUID[], p_at TIMESTAMPTZ)
RETURNS TABLE (
  "step" INTEGER,
  "outcome" TEXT,
  "from_room" UUID,
  "from_version" BIGINT,
  "to_version" BIGINT,
  "id" UUID,
  "game_id" TEXT,
  "external_id" TEXT,
  "display_name" TEXT,
  "room_id" UUID,
  "last_seen_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3)
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  locked UUID[];
  i INTEGER;
  cur UUID;
  fv BIGINT;
  tv BIGINT;
BEGIN
  PERFORM 1 FROM "players" p WHERE p."id" = ANY(p_players) ORDER BY p."id" FOR UPDATE;
  SELECT coalesce(array_agg(l."id"), '{}') INTO locked FROM (
    SELECT r."id" FROM "rooms" r
     WHERE r."id" = ANY(p_rooms)
        OR r."id" IN (SELECT p."room_id" FROM "players" p WHERE p."id" = ANY(p_players))
     ORDER BY r."id" FOR UPDATE
  ) l;
  RETURN QUERY
    SELECT NULL::INTEGER, NULL::TEXT, NULL::UUID, NULL::BIGINT, NULL::BIGINT,
           p."id", p."game_id", p."external_id", p."display_name", p."room_id", p."last_seen_at", p."created_at"
      FROM "players" p
     WHERE p."room_id" = ANY(locked) OR p."id" = ANY(p_players)
     ORDER BY p."display_name", p."id";
  FOR i IN 1 .. coalesce(array_length(p_players, 1), 0) LOOP
    SELECT p."room_id" INTO cur FROM "players" p WHERE p."id" = p_players[i] AND p."game_id" = p_games[i];
    IF NOT FOUND THEN
      RETURN QUERY SELECT i, 'player_not_found'::TEXT, NULL::UUID, NULL::BIGINT, NULL::BIGINT,
                          NULL::UUID, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::UUID, NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ;
      CONTINUE;
    END IF;
    IF p_rooms[i] IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM "rooms" r JOIN "realms" rl ON rl."id" = r."realm_id"
       WHERE r."id" = p_rooms[i] AND rl."game_id" = p_games[i]
    ) THEN
      RETURN QUERY SELECT i, 'room_not_found'::TEXT, NULL::UUID, NULL::BIGINT, NULL::BIGINT,
                          NULL::UUID, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::UUID, NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ;
      CONTINUE;
    END IF;
    fv := NULL;
    tv := NULL;
    IF cur IS DISTINCT FROM p_rooms[i] THEN
      IF cur IS NOT NULL THEN
        UPDATE "rooms" r SET "version" = r."version" + 1 WHERE r."id" = cur RETURNING r."version" INTO fv;
      END IF;
      IF p_rooms[i] IS NOT NULL THEN
        UPDATE "rooms" r SET "version" = r."version" + 1 WHERE r."id" = p_rooms[i] RETURNING r."version" INTO tv;
      END IF;
    END IF;
    RETURN QUERY
      UPDATE "players" p SET "room_id" = p_rooms[i], "last_seen_at" = p_at
       WHERE p."id" = p_players[i]
      RETURNING i, 'moved'::TEXT, cur, fv, tv,
                p."id", p."game_id", p."external_id", p."display_name", p."room_id", p."last_seen_at", p."created_at";
  END LOOP;
END;
$$;
