import { Field, InputType } from "type-graphql";
import { IsLabel } from "../../platform/graphql/validators.ts";

@InputType()
export class CreateDeveloperInput {
  @Field(() => String, { description: "Unique; the name games are registered under." })
  @IsLabel(80)
  name!: string;
}
