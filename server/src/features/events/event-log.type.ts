import { Field, ObjectType } from "type-graphql";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";

// Named explicitly: the platform has an EventLog class too, and a bundle may rename one of them.
@ObjectType("EventLog", { description: "Where the event log stands: one row, cheap to read (for resuming clients)." })
export class EventLog {
  @Field(() => Int64Scalar, { description: "The seq of the last delivered event (0 before any)." })
  lastSeq!: bigint;

  @Field(() => Int64Scalar, {
    description: "Events up to this seq were pruned by retention: resume from here or later.",
  })
  prunedSeq!: bigint;

  @Field(() => Int64Scalar)
  currentTick!: bigint;
}
