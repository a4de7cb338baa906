-- Per-game quota overrides set by the admin (setGameQuotas): a JSON object with any of
-- "connections", "subscriptions", "eventsPerSecond", "players", "rooms"; a quota not in it is
-- the node's setting (docs/operations.md, "Limits and abuse").
ALTER TABLE "games" ADD COLUMN "quotas" JSONB NOT NULL DEFAULT '{}';
