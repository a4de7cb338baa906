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
    "MOVED: movePlayer. CONNECTED: a connection with the player's token opened, or its game's heartbeat vouched for it. DISCONNECTED: the last such connection closed. EXPIRED: nothing renewed its presence in time (a node that stopped answering, or a game that stopped heartbeating it).",
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
