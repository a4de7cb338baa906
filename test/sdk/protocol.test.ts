// The protocol's constants (sdk/src/protocol.ts) as docs/realtime.md and docs/sdk.md describe
// them: which close codes end a subscription for good and which are worth a reconnect.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CloseCode, FATAL_CLOSE_CODES, isFatalClose } from "../../sdk/src/index.ts";
import { ROOT } from "../support/process.ts";

/** Reconnecting cannot help: a refused credential and protocol faults. */
const FATAL = [4403, 4400, 4401, 4004, 4005, 4406, 4409, 4429, 1002, 1003, 1007, 1008, 1009, 1010];
/** Worth a reconnect with backoff (1006: dropped without a close frame; 1000 and 1011: standard). */
const RETRIED = [1000, 1001, 1006, 1011, 1013, 4010, 4011, 4408, 4499, 4500];

describe("protocol", () => {
  it("has Multiverse's own close codes under the names the server uses", () => {
    expect(CloseCode).toMatchObject({
      Forbidden: 4403,
      CredentialEnded: 4011,
      SlowConsumer: 4010,
      GoingAway: 1001,
      TryAgain: 1013,
    });
  });

  it("has graphql-ws's close codes and the standard ones the SDK treats as fatal", () => {
    expect(CloseCode).toMatchObject({
      BadRequest: 4400,
      Unauthorized: 4401,
      SubprotocolNotAcceptable: 4406,
      ConnectionInitialisationTimeout: 4408,
      SubscriberAlreadyExists: 4409,
      TooManyInitialisationRequests: 4429,
      InternalServerError: 4500,
      BadResponse: 4004,
      InternalClientError: 4005,
      ProtocolError: 1002,
      UnsupportedData: 1003,
      InvalidPayload: 1007,
      PolicyViolation: 1008,
      MessageTooBig: 1009,
      MandatoryExtension: 1010,
    });
    const codes = Object.values(CloseCode);
    expect(new Set(codes).size, "one name per code").toBe(codes.length);
  });

  it("classifies the close codes as documented: fatal ones are not retried, the rest are", () => {
    expect([...FATAL_CLOSE_CODES].sort()).toEqual([...FATAL].sort());
    for (const code of FATAL) expect(isFatalClose(code), String(code)).toBe(true);
    for (const code of RETRIED) expect(isFatalClose(code), String(code)).toBe(false);
  });

  it("is one file with no imports, so the server can take it by relative path", () => {
    const source = readFileSync(join(ROOT, "sdk/src/protocol.ts"), "utf8");
    expect(source).not.toMatch(/^\s*import\b|\bfrom\s+["']|\bimport\(|\brequire\(/m);
  });
});
