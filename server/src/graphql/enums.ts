import { registerEnumType } from "type-graphql";
import { EventDelivery, EventStatus, GameStatus } from "../generated/prisma/enums.ts";

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

export { EventDelivery, EventStatus, GameStatus };
