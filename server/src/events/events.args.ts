import { IsInt, IsOptional, Matches, Max, Min } from "class-validator";
import { ArgsType, Field, ID, Int } from "type-graphql";
import { Int64Scalar } from "../graphql/scalars/int64.ts";
import { EVENT_TYPE } from "../graphql/validators.ts";

@ArgsType()
export class EventsArgs {
  @Field(() => Int64Scalar, { nullable: true, description: "Only events with a greater `seq`." })
  after?: bigint | null;

  @Field(() => Int, { defaultValue: 50, description: "At most this many (1–500)." })
  @IsInt()
  @Min(1, { message: "first must be at least 1" })
  @Max(500, { message: "first must be at most 500" })
  first!: number;

  @Field(() => ID, {
    nullable: true,
    description: "Only events this game sent or received. Games and players always see only their own.",
  })
  gameId?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(EVENT_TYPE, { message: "type is not a valid event type" })
  type?: string | null;
}
