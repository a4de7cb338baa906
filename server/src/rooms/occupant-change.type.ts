import { Field, ID, ObjectType, registerEnumType } from "type-graphql";

export enum OccupantChangeKind {
  JOINED = "JOINED",
  LEFT = "LEFT",
}
export enum PresenceCause {
  MOVED = "MOVED",
  CONNECTED = "CONNECTED",
  DISCONNECTED = "DISCONNECTED",
  EXPIRED = "EXPIRED",
}
registerEnumType(OccupantChangeKind, { name: "OccupantChangeKind" });
registerEnumType(PresenceCause, {
  name: "PresenceCause",
  description:
    "MOVED: movePlayer. CONNECTED / DISCONNECTED: a connection with the player's token (or its game's heartbeat) began or ended. EXPIRED: the node holding it stopped answering.",
});

@ObjectType({ description: "What changed in a room's occupants." })
export class OccupantChange {
  @Field(() => OccupantChangeKind)
  kind!: OccupantChangeKind;

  @Field(() => ID)
  playerId!: string;

  @Field(() => PresenceCause)
  cause!: PresenceCause;
}
