import { ArgsType, Field, ID } from "type-graphql";

/**
 * What `events` (the list and the subscription) narrows to; see `eventVisibility`, which checks
 * each (a malformed id is BAD_USER_INPUT, one the caller may not read NOT_FOUND or FORBIDDEN).
 */
@ArgsType()
export class EventFilterArgs {
  @Field(() => ID, {
    nullable: true,
    description: "Only events this game sent or received, and broadcasts. Games see only their own anyway.",
  })
  gameId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only events sent to this room." })
  roomId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "Only events this player sent or could see (sent to it, or to a room it was in).",
  })
  playerId?: string | null;
}
