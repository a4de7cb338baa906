/** A player row as JSON. */
export interface WirePlayer {
  id: string;
  gameId: string;
  externalId: string;
  displayName: string;
  roomId: string | null;
  lastSeenAt: string | null;
  createdAt: string;
}

/** A change to a room's occupants, as the bus carries it. */
export interface OccupantChange {
  kind: "JOINED" | "LEFT";
  playerId: string;
  /** MOVED (movePlayer), CONNECTED / DISCONNECTED (presence), EXPIRED (a node's lease ran out). */
  cause: "MOVED" | "CONNECTED" | "DISCONNECTED" | "EXPIRED";
}

/** A room's occupants after a change: the full list, so a watcher never has to merge. */
export interface RoomMessage {
  roomId: string;
  version: string;
  /** The online players in the room (dates as ISO strings). */
  occupants: WirePlayer[];
  change: OccupantChange | null;
}

/** A player coming online or going offline, as the bus carries it. */
export interface PresenceMessage {
  gameId: string;
  playerId: string;
  online: boolean;
  cause: OccupantChange["cause"];
  at: string;
}
