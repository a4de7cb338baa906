/** Who is calling. Resolved once per HTTP request or WebSocket connection. */
export type Principal =
  | { kind: "anonymous" }
  | { kind: "admin" }
  | { kind: "developer"; developerId: string; name: string }
  | { kind: "game"; gameId: string }
  | { kind: "player"; playerId: string; gameId: string; /** When the token expires. */ expiresAt?: Date };

/** The roles `@Authorized(...)` names; each matches one principal kind. */
export const Role = {
  Admin: "admin",
  Developer: "developer",
  Game: "game",
  Player: "player",
} as const;
export type Role = (typeof Role)[keyof typeof Role];
