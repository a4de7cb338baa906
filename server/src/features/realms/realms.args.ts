import { IsInt, Max, Min } from "class-validator";
import { ArgsType, Field, ID, Int } from "type-graphql";
import { RealmSelectorInput } from "./realm-selector.input.ts";

@ArgsType()
export class RealmsArgs extends RealmSelectorInput {
  @Field(() => ID, { nullable: true })
  gameId?: string | null;

  @Field(() => Int, { defaultValue: 100, description: "At most this many (1–500)." })
  @IsInt()
  @Min(1, { message: "first must be at least 1" })
  @Max(500, { message: "first must be at most 500" })
  first!: number;
}
