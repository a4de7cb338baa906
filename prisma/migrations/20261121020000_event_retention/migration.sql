-- AlterTable: how far retention has pruned the event log.
ALTER TABLE "universe_state" ADD COLUMN "pruned_seq" BIGINT NOT NULL DEFAULT 0;

-- CreateIndex: pruning finds old delivered events by time.
CREATE INDEX "events_delivered_at_idx" ON "events"("delivered_at");
