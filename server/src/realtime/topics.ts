/** Every bus channel and timed set the realtime core uses, in one place. */
export const Channel = {
  /** Every delivered event, in `seq` order per publisher. */
  events: "events",
  /** Every control tick. */
  ticks: "ticks",
  /** Presence changes of one game. */
  presence: (gameId: string) => `presence:${gameId}`,
  /** Occupant changes of one room. */
  room: (roomId: string) => `room:${roomId}`,
  /** A game's key was rotated or the game unregistered: its live connections end. */
  credentials: "credentials",
} as const;

export const TimedSet = {
  /** Members `<playerId>|<holder>`: a node holding a connection, or `heartbeat`. */
  online: (gameId: string) => `online:${gameId}`,
  onlinePrefix: "online:",
  /** Live server nodes. */
  nodes: "nodes",
} as const;

export const Lease = { tick: "tick" } as const;
