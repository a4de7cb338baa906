import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * The suites that `npm run mutation` (StrykerJS) runs against each mutant: those that exercise
 * the realtime core, auth and the subscriptions with the server in this process. Suites whose
 * server runs in a child process (multinode, process, SDK) cannot see a mutant, which lives in
 * this process; the browser, validation and load suites, and the one that waits out a 30 s
 * token, would only slow every mutant down (docs/testing.md).
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "test/api/authorization.test.ts",
      "test/realtime/connection-protocol.test.ts",
      "test/realtime/credential-end.test.ts",
      "test/realtime/event-feed.test.ts",
      "test/realtime/event-stream.test.ts",
      "test/realtime/presence.test.ts",
      "test/realtime/slow-consumer.test.ts",
      "test/realtime/subscription-authorization.test.ts",
      "test/realtime/subscriptions.test.ts",
      "test/realtime/tick-lifecycle.test.ts",
      "test/realtime/universe-and-retention.test.ts",
      "server/src/**/*.test.ts",
    ],
  },
});
