/**
 * WebSocket close codes Multiverse sends, besides graphql-ws's own (4400 bad request, 4401
 * unauthorized before ack, 4406, 4408 init timeout, 4409, 4429, 4500). docs/realtime.md lists
 * them for clients.
 */
export const CloseCode = {
  /** The credential in connectionParams is missing, invalid or expired. Do not retry as is. */
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
} as const;
