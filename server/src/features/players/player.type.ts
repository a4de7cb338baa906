import { Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "A player of one game. Private to that game's owners and players." })
export class Player {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  gameId!: string;

  @Field(() => String, { description: "The game's own id for the player; unique within the game." })
  externalId!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => ID, { nullable: true, description: "The room the player is in; null when in none." })
  roomId!: string | null;

  @Field(() => Date, { nullable: true })
  lastSeenAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  /**
   * Whether the player is online, when whoever produced this row knows already (an occupant
   * list, `players(online:)`); the `online` field then reads nothing. Not a field itself.
   */
  online?: boolean;
}
