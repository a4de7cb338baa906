import { Field, Int, ObjectType } from "type-graphql";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";

// Named explicitly: the bundle may rename the class, whose name the platform's GameQuotas service shares.
@ObjectType("GameQuotas", {
  description:
    "What the game may hold or do, whatever other games do: the node's settings, or the admin's overrides (setGameQuotas).",
})
export class GameQuotas {
  @Field(() => Int, {
    description: "WebSocket connections of the game (its key and its players' tokens) per node; then 1013.",
  })
  connections!: number;

  @Field(() => Int, { description: "Subscriptions on those connections per node; then RATE_LIMITED (QUOTA_EXCEEDED)." })
  subscriptions!: number;

  @Field(() => Int, { description: "Events the game may publish per second, across nodes; then RATE_LIMITED." })
  eventsPerSecond!: number;

  @Field(() => Int, { description: "Players the game may have; then RATE_LIMITED (QUOTA_EXCEEDED)." })
  players!: number;

  @Field(() => Int, { description: "Rooms across the game's realms; then RATE_LIMITED (QUOTA_EXCEEDED)." })
  rooms!: number;

  @Field(() => Int64Scalar, {
    description:
      "Bytes of `data` the game's events may hold in the log (retention frees them); then publishing is RATE_LIMITED (QUOTA_EXCEEDED).",
  })
  storedEventBytes!: number;
}
