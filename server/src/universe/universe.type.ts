import { Field, Int, ObjectType } from "type-graphql";
import { Int64Scalar } from "../graphql/scalars/int64.ts";

@ObjectType({ description: "The multiverse at a glance." })
export class Universe {
  @Field(() => Int, { description: "Registered games (ACTIVE or PAUSED)." })
  games!: number;

  @Field(() => Int)
  realms!: number;

  @Field(() => Int)
  rooms!: number;

  @Field(() => Int)
  players!: number;

  @Field(() => Int64Scalar, { description: "Delivered events: the last `seq`." })
  events!: bigint;

  @Field(() => Int, { description: "Events waiting for the next control tick." })
  pendingEvents!: number;

  @Field(() => Int64Scalar, { description: "The current control tick number." })
  currentTick!: bigint;

  @Field(() => Date, { nullable: true, description: "When the current tick started." })
  tickAt!: Date | null;
}
