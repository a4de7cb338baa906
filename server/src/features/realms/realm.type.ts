import { Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "A realm of a game, with its address in the multiverse. Public, like its game." })
export class Realm {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  gameId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  realmType!: string;

  @Field(() => String)
  adjacency!: string;

  @Field(() => String)
  resonance!: string;

  @Field(() => Date)
  createdAt!: Date;
}
