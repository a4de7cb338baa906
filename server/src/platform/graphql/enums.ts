import { registerEnumType } from "type-graphql";
import { EventDelivery, EventStatus, GameStatus } from "../../generated/prisma/enums.ts";
import { OccupantChangeKind, PresenceCause } from "../realtime/channels.ts";

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

export { EventDelivery, EventStatus, GameStatus, OccupantChangeKind, PresenceCause };
