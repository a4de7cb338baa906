// Resuming `events` with `since` on one node while publishers keep publishing: a subscriber
// over real WebSocket replays a backlog of several pages (500 each) and goes live, and must
// get exactly the log after `since`, each seq once, in order. On the in-memory bus over
// Postgres, in true embedded mode (PGlite and the in-memory bus), and on the Redis bus.
// The races depend on timing here: event-stream.test.ts pins the replay-to-live handover
// deterministically; this is the end-to-end check of the same promise.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { expectResumeUnderLoad, LOAD_TIMEOUT_MS, RESUME_ENV } from "../support/resume.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { onRealPostgres } from "../support/database.ts";

const MODES: { mode: string; start: () => Promise<TestServer>; skip: boolean }[] = [
  { mode: "the in-memory bus over Postgres", start: () => startTestServer(RESUME_ENV), skip: !onRealPostgres() },
  {
    mode: "embedded mode (PGlite and the in-memory bus)",
    start: () => startTestServer(RESUME_ENV, { db: { url: undefined, drop: async () => undefined } }),
    skip: false,
  },
  {
    mode: "the Redis bus",
    start: () =>
      startTestServer({
        ...RESUME_ENV,
        REDIS_URL: inject("redisUrl"),
        REDIS_KEY_PREFIX: `test:${randomBytes(4).toString("hex")}:`,
      }),
    skip: inject("redisUrl") === "",
  },
];

for (const { mode, start, skip } of MODES) {
  describe.skipIf(skip)(`resuming events under load on one node, on ${mode}`, () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await start();
    });
    afterAll(async () => {
      await s?.stop();
    });

    it(
      "a subscriber resuming with since over three replay pages, stalling it twice while 4 publishers publish, gets every logged seq once, in order",
      async () => {
        await expectResumeUnderLoad({
          subscriber: s.url,
          publishers: [s.url],
          publishersPerNode: 4,
          backlog: 1_200,
          appendBacklog: async (sql) =>
            BigInt((await s.app.services.prisma.$queryRawUnsafe<{ since: string }[]>(sql))[0]!.since),
        });
      },
      LOAD_TIMEOUT_MS,
    );
  });
}
