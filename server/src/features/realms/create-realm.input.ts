import { IsOptional } from "class-validator";
import { Field, ID, InputType } from "type-graphql";
import { IsSlug } from "../../platform/graphql/validators.ts";
import { RealmInput } from "./realm-address.input.ts";

@InputType()
export class CreateRealmInput extends RealmInput {
  @Field(() => ID, { nullable: true, description: "The game; defaults to the calling game." })
  @IsOptional()
  @IsSlug()
  gameId?: string | null;
}
