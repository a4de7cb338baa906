import { Field, ID, ObjectType } from "type-graphql";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";

@ObjectType({ description: "A room in a realm. Private to its game's owners and players." })
export class Room {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  realmId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Int64Scalar, { description: "Increases with every change of the room's occupants." })
  version!: bigint;

  @Field(() => Date)
  createdAt!: Date;
}
