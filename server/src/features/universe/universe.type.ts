import { Field, Float, Int, ObjectType } from "type-graphql";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";

@ObjectType({ description: "The multiverse at a glance." })
export class Universe {
  @Field(() => Int, { description: "Registered games (ACTIVE or PAUSED)." })
  games!: number;

  @Field(() => Int)
  realms!: number;

  @Field(() => Int)
  rooms!: number;

  @Field(() => Int)
  players!: number;

  @Field(() => Int, {
    nullable: true,
    description: "Players online now (a connection, or their game's heartbeat); null while the bus does not answer.",
  })
  playersOnline!: number | null;

  @Field(() => Int64Scalar, { description: "Delivered events: the last `seq`." })
  events!: bigint;

  @Field(() => Int, { description: "Events waiting for the next control tick." })
  pendingEvents!: number;

  @Field(() => Int64Scalar, { description: "The current control tick number." })
  currentTick!: bigint;

  @Field(() => Date, { nullable: true, description: "When the current tick started." })
  tickAt!: Date | null;

  @Field(() => Float, { nullable: true, description: "How long the last tick this node heard took (tick latency)." })
  lastTickDurationMs!: number | null;

  @Field(() => [String], { description: "The server nodes alive now (empty while the bus does not answer)." })
  nodes!: string[];
}
