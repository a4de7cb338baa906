// The WebSocket protocol's constants, shared by the server, the SDK and the console: the close
// codes and the connection states. No imports, so that any of them can take this file as it is
// (docs/realtime.md, "Close codes", says what each code means for a client).

/** Every WebSocket close code Multiverse sends or its clients must tell apart. */
export const CloseCode = {
  // Multiverse's own.
  /** The credential in `connectionParams` is missing, invalid or expired. Do not retry as is. */
  Forbidden: 4403,
  /**
   * The connection's credential stopped being valid while it was open: the player token expired,
   * the game's key was rotated or the game unregistered. Reconnect with a current credential.
   */
  CredentialEnded: 4011,
  /** The client read too slowly and its outgoing buffer filled up. Reconnect, resume with `since`. */
  SlowConsumer: 4010,
  /** The server is shutting down. Reconnect (to another node). */
  GoingAway: 1001,
  /** A dependency (presence in Redis) was unavailable at connect. Reconnect with backoff. */
  TryAgain: 1013,

  // graphql-ws's (the numbers of its `CloseCode` enum: this file imports nothing).
  /** A malformed message: a client bug. */
  BadRequest: 4400,
  /** A `subscribe` before the connection was acknowledged: a client bug. */
  Unauthorized: 4401,
  /** Not the `graphql-transport-ws` subprotocol (e.g. the old `subscriptions-transport-ws`). */
  SubprotocolNotAcceptable: 4406,
  /** No `connection_init` within the server's wait (3 s). Retry. */
  ConnectionInitialisationTimeout: 4408,
  /** A subscription id reused while it is active: a client bug. */
  SubscriberAlreadyExists: 4409,
  /** A second `connection_init` on one socket: a client bug. */
  TooManyInitialisationRequests: 4429,
  /** The server failed unexpectedly. Retry with backoff; report it if it repeats. */
  InternalServerError: 4500,
  /** The client could not read the server's message (closed by the client). */
  BadResponse: 4004,
  /** The client failed unexpectedly (closed by the client). */
  InternalClientError: 4005,
  /**
   * The client's ping went unanswered (the SDK's `pongTimeoutMs`) and it terminated the socket
   * (graphql-ws's `terminate()`). Reconnect.
   */
  Terminated: 4499,

  // The WebSocket standard's (RFC 6455) that reconnecting cannot help.
  /** The peer broke the WebSocket protocol. */
  ProtocolError: 1002,
  /** The peer received a kind of data it cannot accept. */
  UnsupportedData: 1003,
  /** A message's data did not match its type (e.g. text that is not UTF-8). */
  InvalidPayload: 1007,
  /** A message broke the peer's policy. */
  PolicyViolation: 1008,
  /** A message was too big to process. */
  MessageTooBig: 1009,
  /** The client needed an extension the server did not negotiate. */
  MandatoryExtension: 1010,
} as const;

/** What a WebSocket close looks like, in browsers, in `ws` and in graphql-ws (and an SSE stream's end, in the SDK). */
export interface CloseLike {
  code: number;
  reason: string;
}

/** One of `CloseCode`'s values. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Close codes after which reconnecting cannot help: a refused credential and protocol faults
 * (client or server bugs). Everything else (1001, 1006 network, 1013, 4010, 4011, 4408, 4499,
 * 4500 …) is worth a reconnect with backoff.
 */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set<number>([
  CloseCode.Forbidden,
  CloseCode.BadRequest,
  CloseCode.Unauthorized,
  CloseCode.BadResponse,
  CloseCode.InternalClientError,
  CloseCode.SubprotocolNotAcceptable,
  CloseCode.SubscriberAlreadyExists,
  CloseCode.TooManyInitialisationRequests,
  CloseCode.ProtocolError,
  CloseCode.UnsupportedData,
  CloseCode.InvalidPayload,
  CloseCode.PolicyViolation,
  CloseCode.MessageTooBig,
  CloseCode.MandatoryExtension,
]);

/** True when a socket closed with `code` must not be reopened as it was (see `FATAL_CLOSE_CODES`). */
export const isFatalClose = (code: number): boolean => FATAL_CLOSE_CODES.has(code);

/**
 * The state of the client's WebSocket, which carries every subscription:
 *
 * - `connecting`: opening it (the first time, or again after it was closed while idle);
 * - `connected`: open and acknowledged by the server;
 * - `reconnecting`: it dropped (or could not open) while subscriptions were running; they wait
 *   for it with backoff and resume;
 * - `closed`: nothing is open: no subscription yet, all of them ended, the server refused the
 *   credential (`CloseCode.Forbidden`, 4403), or `client.close()` was called.
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "closed";
