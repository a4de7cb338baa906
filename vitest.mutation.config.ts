import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * The suites that `npm run mutation` (StrykerJS) runs against each mutant: those that exercise
 * the realtime core, auth and the subscriptions in this process. Suites whose server runs in a
 * child process (multinode, process, SDK) cannot see a mutant (it lives in this process), and
 * the browser and validation suites would only slow every mutant down.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "test/realtime/**/*.test.ts",
      "test/bus/**/*.test.ts",
      "test/api/authorization.test.ts",
      "test/api/events.test.ts",
      "server/src/**/*.test.ts",
    ],
  },
});
