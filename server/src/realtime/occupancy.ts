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

/**
 * A room's occupants: those of `players` who are `online`, marked so (the `online` field of an
 * occupant then reads nothing: every message to every watcher would otherwise read the set).
 */
export function occupantsOf<P extends { id: string }>(players: P[], online: Set<string>): (P & { online: true })[] {
  return players.filter((p) => online.has(p.id)).map((p) => ({ ...p, online: true as const }));
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
