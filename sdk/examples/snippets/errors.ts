import type { MultiverseClient, RegisterGameInput } from "@multiverse/sdk";

declare const developer: MultiverseClient;
declare const input: RegisterGameInput;

// snippet-start
import { MultiverseError } from "@multiverse/sdk";

try {
  await developer.registerGame(input);
} catch (err) {
  if (!(err instanceof MultiverseError)) throw err;
  if (err.isNetworkError) {
    console.log("The server could not be reached: try again later.", err.cause);
  } else if (err.code === "BAD_USER_INPUT") {
    for (const p of err.problems) console.log(`${p.field}: ${p.message}`); // or err.field, err.message
  } else if (err.code === "CONFLICT") {
    console.log("That id is taken: choose another.");
  } else if (err.code === "RATE_LIMITED") {
    await new Promise((r) => setTimeout(r, err.retryAfterMs ?? 1000));
  } else {
    console.log(`${err.code}: ${err.message} (request ${err.requestId})`);
  }
}
// snippet-end
