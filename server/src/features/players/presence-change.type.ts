import { Field, ID, ObjectType } from "type-graphql";
import { PresenceCause } from "../../platform/graphql/enums.ts";

@ObjectType({ description: "A player came online or went offline." })
export class PresenceChange {
  @Field(() => ID)
  gameId!: string;

  @Field(() => ID)
  playerId!: string;

  @Field(() => Boolean)
  online!: boolean;

  @Field(() => PresenceCause)
  cause!: PresenceCause;

  @Field(() => Date)
  at!: Date;
}
