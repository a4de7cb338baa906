import { Field, ID, ObjectType } from "type-graphql";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";
import { Player } from "../players/player.type.ts";
import { OccupantChange } from "./occupant-change.type.ts";

@ObjectType("MyRoom", {
  description:
    "The calling player's room and its online players (myRoom). A snapshot (`change` null) first and after each move of the player; then one message per change of that room's occupants, with the room's version.",
})
export class MyRoom {
  @Field(() => ID, { nullable: true, description: "The player's room; null when it is in no room." })
  roomId!: string | null;

  @Field(() => Int64Scalar, { description: "The room's version (0 when in no room): it only goes up within a room." })
  version!: bigint;

  @Field(() => [Player], { description: "The room's online players, the caller among them." })
  occupants!: Player[];

  @Field(() => OccupantChange, {
    nullable: true,
    description: "What changed; null in a snapshot (the first message, and the first after each move).",
  })
  change!: OccupantChange | null;
}
