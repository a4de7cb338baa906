import { Field, ID, ObjectType } from "type-graphql";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";
import { Player } from "../players/player.type.ts";
import { OccupantChange } from "./occupant-change.type.ts";

@ObjectType({
  description:
    "The online players in a room and the room's version, which increases with every change. Over the roomOccupants subscription, `change` says what changed (null in the first message, the snapshot, and when the version moved without a visible change).",
})
export class RoomOccupants {
  @Field(() => ID)
  roomId!: string;

  @Field(() => Int64Scalar)
  version!: bigint;

  @Field(() => [Player])
  occupants!: Player[];

  @Field(() => OccupantChange, { nullable: true })
  change?: OccupantChange | null;
}
