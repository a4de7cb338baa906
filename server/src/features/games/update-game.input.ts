import { IsOptional } from "class-validator";
import { Field, InputType } from "type-graphql";
import { IsEventTypes, IsLabel, IsText } from "../../platform/graphql/validators.ts";

/** What `updateGame` changes: a field left out (or null) stays as it is. */
@InputType("UpdateGameInput")
export class UpdateGameInput {
  @Field(() => String, { nullable: true, description: "1–80 characters." })
  @IsOptional()
  @IsLabel(80)
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 500 characters; "" clears it.' })
  @IsText(500)
  description?: string | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "The event types the game's players may publish with their tokens (at most 100): the whole list, replacing the old one; `[]` allows none.",
  })
  @IsEventTypes()
  playerEventTypes?: string[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "true: the tick leader waits for the game to report each of its ticks (completeTick); false: it does not.",
  })
  tickBarrier?: boolean | null;
}
