import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";

@ObjectType({ description: "A control tick: the moment all games step together." })
export class Tick {
  @Field(() => Int64Scalar, { description: "Increases by one every tick, across leaders and restarts." })
  number!: bigint;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Float, { description: "How long the leader took to run it." })
  durationMs!: number;

  @Field(() => Int, { description: "Games whose local tick this was (ACTIVE, number % tickEvery = 0)." })
  gamesSynced!: number;

  @Field(() => Int, { description: "NEXT_TICK events it delivered." })
  eventsPropagated!: number;

  @Field(() => Float, {
    description:
      "How long the leader held it back, once it was due, for the games of the tick barrier to report the tick before (0: not at all).",
  })
  waitedMs!: number;

  @Field(() => [ID], {
    description:
      "The games of the tick barrier that had not reported the tick before when the leader gave up (TICK_BARRIER_MS), by id.",
  })
  lateGameIds!: string[];
}
