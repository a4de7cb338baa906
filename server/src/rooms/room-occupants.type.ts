import { Field, ID, ObjectType } from "type-graphql";
import { Int64Scalar } from "../graphql/scalars/int64.ts";
import { Player } from "../players/player.type.ts";

@ObjectType({ description: "Who is in a room, and the room's version when they were read." })
export class RoomOccupants {
  @Field(() => ID)
  roomId!: string;

  @Field(() => Int64Scalar)
  version!: bigint;

  @Field(() => [Player])
  occupants!: Player[];
}
