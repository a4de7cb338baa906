import { Field, ID, Int, ObjectType } from "type-graphql";
import { GameStatus } from "../../platform/graphql/enums.ts";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";

@ObjectType({ description: "A game registered in the multiverse. Its card is public to every signed-in caller." })
export class Game {
  @Field(() => ID, { description: "The slug the developer chose; never reused." })
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  developerName!: string;

  @Field(() => String)
  description!: string;

  @Field(() => GameStatus)
  status!: GameStatus;

  @Field(() => Int, { description: "Control ticks per local tick of this game." })
  tickEvery!: number;

  @Field(() => Boolean, {
    description: "Whether the tick leader waits for the game to report each of its ticks (completeTick).",
  })
  tickBarrier!: boolean;

  @Field(() => Date)
  registeredAt!: Date;

  @Field(() => Date, { nullable: true, description: "When the game server last called `heartbeat`." })
  lastHeartbeatAt!: Date | null;

  @Field(() => [String], {
    description: "The event types its players may publish (`publishEvent` with a player token); empty: none.",
  })
  playerEventTypes!: string[];

  @Field(() => Int64Scalar, {
    description:
      "Rises with every change the games subscription reports (not with heartbeats): of two copies of a game, the higher version is the newer.",
  })
  version!: bigint;

  developerId!: string | null;
}
