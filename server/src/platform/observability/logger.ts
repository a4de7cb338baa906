import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/** Where an error was thrown: the first frame of its stack (source-mapped with `--enable-source-maps`). */
function thrownAt(stack: string | undefined): string | undefined {
  return stack
    ?.split("\n")
    .find((line) => /^\s+at /.test(line))
    ?.trim()
    .slice(3);
}

/** Causes followed at most: a chain that loops (an error its own cause) still ends. */
const MAX_CAUSES = 5;

/** What the log says of an error (`{ err }`): its type, message, code, where it was thrown, and its cause's. */
function errorFields(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const { code } = err as { code?: unknown };
  const at = thrownAt(err.stack);
  return {
    type: err.name,
    message: err.message,
    ...(code !== undefined ? { code } : {}),
    ...(at ? { at } : {}),
    ...(err.cause !== undefined && depth < MAX_CAUSES ? { cause: errorFields(err.cause, depth + 1) } : {}),
  };
}

/**
 * Structured JSON logs on stdout (or `destination`), one line per entry. Credentials are
 * redacted wherever they could appear. An error (`{ err }`) is logged as its type, message,
 * code and the one frame where it was thrown, never its stack; clients get none of it.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "multiverse" },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: (err: unknown) => errorFields(err) },
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
