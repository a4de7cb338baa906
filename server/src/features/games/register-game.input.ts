import { IsInt, IsOptional, Max, Min, ValidateNested } from "class-validator";
import { Field, InputType, Int } from "type-graphql";
import { RealmInput } from "../realms/realm-address.input.ts";
import { IsEventTypes, IsLabel, IsSlug, IsText } from "../../platform/graphql/validators.ts";

@InputType()
export class RegisterGameInput {
  @Field(() => String, { description: "A slug: 3–40 characters of a-z, 0-9 and '-', starting with a letter." })
  @IsSlug()
  id!: string;

  @Field(() => String)
  @IsLabel(80)
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: "Required for admins. A developer registers under its own name and may omit it.",
  })
  @IsOptional()
  @IsLabel(80)
  developerName?: string | null;

  @Field(() => String, { nullable: true })
  @IsText(500)
  description?: string | null;

  @Field(() => Int, { nullable: true, description: "Control ticks per local tick (1–1000, default 1)." })
  @IsOptional()
  @IsInt()
  @Min(1, { message: "tickEvery must be at least 1" })
  @Max(1000, { message: "tickEvery must be at most 1000" })
  tickEvery?: number | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "The event types the game's players may publish with their tokens (at most 100; e.g. `chat.say`). None unless listed.",
  })
  @IsEventTypes()
  playerEventTypes?: string[] | null;

  @Field(() => RealmInput, { description: "The game's first realm." })
  @ValidateNested()
  realm!: RealmInput;
}
