import { Field, ObjectType } from "type-graphql";
import { Int64Scalar } from "../graphql/scalars/int64.ts";
import { Event } from "./event.type.ts";

@ObjectType()
export class EventEdge {
  @Field(() => Int64Scalar, { description: "The event's `seq`: pass it as `after` to read on." })
  cursor!: bigint;

  @Field(() => Event)
  node!: Event;
}

@ObjectType()
export class PageInfo {
  @Field(() => Int64Scalar, { nullable: true })
  endCursor!: bigint | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
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
