import { Field, ObjectType } from "type-graphql";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";
import { Event } from "./event.type.ts";

@ObjectType()
export class EventEdge {
  @Field(() => Int64Scalar, {
    description: "The event's `seq`: pass it as `after` to read on, or as `before` to read back.",
  })
  cursor!: bigint;

  @Field(() => Event)
  node!: Event;
}

@ObjectType()
export class PageInfo {
  @Field(() => Int64Scalar, {
    nullable: true,
    description: "The first edge's cursor; `before` when the page is empty.",
  })
  startCursor!: bigint | null;

  @Field(() => Int64Scalar, { nullable: true, description: "The last edge's cursor; `after` when the page is empty." })
  endCursor!: bigint | null;

  @Field(() => Boolean, { description: "Reading forward (`first`): more events follow. Reading back: false." })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: "Reading back (`last`): more events precede. Reading forward: false." })
  hasPreviousPage!: boolean;
}

@ObjectType({ description: "Delivered events in `seq` order, oldest first." })
export class EventConnection {
  @Field(() => [EventEdge])
  edges!: EventEdge[];

  @Field(() => [Event])
  nodes!: Event[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
