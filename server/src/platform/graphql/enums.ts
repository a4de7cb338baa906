import { registerEnumType } from "type-graphql";
import { EventDelivery, EventStatus, GameStatus } from "../../generated/prisma/enums.ts";
import { GameChangeKind, OccupantChangeKind, PresenceCause } from "../realtime/channels.ts";

registerEnumType(GameStatus, {
  name: "GameStatus",
  description: "ACTIVE games take part in ticks; PAUSED ones are skipped; UNREGISTERED ones are read-only.",
});
registerEnumType(EventDelivery, {
  name: "EventDelivery",
  description: "IMMEDIATE: delivered on commit. NEXT_TICK: held until the next control tick.",
});
registerEnumType(EventStatus, {
  name: "EventStatus",
  description: "PENDING: waiting for the next control tick. DELIVERED: has a `seq`.",
});

// One PresenceCause and one OccupantChangeKind: the realtime core's, exposed as API enums.
registerEnumType(OccupantChangeKind, { name: "OccupantChangeKind" });
registerEnumType(PresenceCause, {
  name: "PresenceCause",
  description:
    "MOVED: movePlayer. CONNECTED: a connection with the player's token opened, or its game's heartbeat vouched for it. DISCONNECTED: the last such connection closed. EXPIRED: nothing renewed its presence in time (a node that stopped answering, or a game that stopped heartbeating it).",
});

registerEnumType(GameChangeKind, {
  name: "GameChangeKind",
  description:
    "SNAPSHOT: the games subscription's first message. REGISTERED: registerGame. UPDATED: updateGame or setGameQuotas. STATUS_CHANGED: setGameStatus. KEY_ROTATED: rotateGameKey (the key is never sent). STALE: no heartbeat for GAME_STALE_SECONDS. HEALTHY: the heartbeat after that. UNREGISTERED: unregisterGame.",
});

export { EventDelivery, EventStatus, GameChangeKind, GameStatus, OccupantChangeKind, PresenceCause };
