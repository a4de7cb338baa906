import { IsOptional, Matches } from "class-validator";
import { Field, ID, InputType } from "type-graphql";
import { IsLabel, IsSlug } from "../../platform/graphql/validators.ts";

@InputType({ description: "Creates the player with this `externalId`, or renames it if it exists." })
export class UpsertPlayerInput {
  @Field(() => ID, { nullable: true, description: "The game; defaults to the calling game." })
  @IsOptional()
  @IsSlug()
  gameId?: string | null;

  @Field(() => String, { description: "The game's own id for the player (1–128 printable characters)." })
  @Matches(/^[\x21-\x7e]{1,128}$/, { message: "externalId must be 1–128 printable ASCII characters without spaces" })
  externalId!: string;

  @Field(() => String)
  @IsLabel(64)
  displayName!: string;
}
