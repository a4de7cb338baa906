import { Field, ID, InputType } from "type-graphql";
import { IsLabel, IsText, IsUuid } from "../../platform/graphql/validators.ts";

@InputType()
export class CreateRoomInput {
  @Field(() => ID)
  @IsUuid()
  realmId!: string;

  @Field(() => String, { description: "Unique within the realm." })
  @IsLabel(80)
  name!: string;

  @Field(() => String, { nullable: true })
  @IsText(500)
  description?: string | null;
}
