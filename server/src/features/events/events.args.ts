import { IsInt, IsOptional, Matches, Max, Min } from "class-validator";
import { ArgsType, Field, Int } from "type-graphql";
import { EventFilterArgs } from "./event-filter.args.ts";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";
import { EVENT_TYPE } from "../../platform/graphql/validators.ts";

/** The page size when neither `first` nor `last` is given. */
export const DEFAULT_EVENTS_PAGE = 50;

@ArgsType()
export class EventsArgs extends EventFilterArgs {
  @Field(() => Int64Scalar, { nullable: true, description: "Only events with a greater `seq`." })
  after?: bigint | null;

  @Field(() => Int, {
    nullable: true,
    description: "The first this many (1–500) after `after`. Default 50 when `last` is not given either.",
  })
  @IsOptional()
  @IsInt()
  @Min(1, { message: "first must be at least 1" })
  @Max(500, { message: "first must be at most 500" })
  first?: number | null;

  @Field(() => Int64Scalar, { nullable: true, description: "Only events with a smaller `seq`." })
  before?: bigint | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "The last this many (1–500) before `before`: the newest events. The page is still oldest first. Not with `first`.",
  })
  @IsOptional()
  @IsInt()
  @Min(1, { message: "last must be at least 1" })
  @Max(500, { message: "last must be at most 500" })
  last?: number | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(EVENT_TYPE, { message: "type is not a valid event type" })
  type?: string | null;
}
