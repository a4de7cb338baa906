import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs on stdout (or `destination`). Credentials are redacted wherever they
 * could appear; error stacks are logged, never sent to clients.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "multiverse" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "req.headers.authorization",
          "headers.authorization",
          "authorization",
          "*.authorization",
          "*.apiKey",
          "*.token",
          "*.password",
          "connectionParams",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
