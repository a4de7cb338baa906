import { Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "Someone who registers and runs games." })
export class Developer {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class CreateDeveloperPayload {
  @Field(() => Developer)
  developer!: Developer;

  @Field(() => String, { description: "The developer key. Shown this once: only its hash is stored." })
  key!: string;
}
