/** The bus's timed sets, marked sets and leases, in one place (its channels are in channels.ts). */
export const TimedSet = {
  /** Members `<playerId>|<holder>` (online-set.ts): a node holding a connection, or `heartbeat`. */
  online: (gameId: string) => `online:${gameId}`,
  onlinePrefix: "online:",
  /** Live server nodes. */
  nodes: "nodes",
} as const;

export const MarkedSet = {
  /** The games that reported finishing tick `number` (completeTick), for the tick barrier. */
  tickDone: (number: bigint) => `tick-done:${number}`,
} as const;

export const Lease = { tick: "tick" } as const;
