import { GraphQLJSON } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { EventDelivery, EventStatus } from "../../platform/graphql/enums.ts";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";

@ObjectType({ description: "A realm address selector: every part given must match." })
export class RealmSelector {
  @Field(() => String, { nullable: true })
  realmType?: string | null;

  @Field(() => String, { nullable: true })
  adjacency?: string | null;

  @Field(() => String, { nullable: true })
  resonance?: string | null;
}

@ObjectType({ description: "A cross-game event, stored then delivered." })
export class Event {
  @Field(() => ID)
  id!: string;

  @Field(() => Int64Scalar, {
    nullable: true,
    description: "Its place in the one total order of delivered events; null while PENDING.",
  })
  seq!: bigint | null;

  @Field(() => String)
  type!: string;

  @Field(() => ID, {
    nullable: true,
    description: "The publishing game, or the game of the publishing player; null when an admin published it.",
  })
  sourceGameId!: string | null;

  @Field(() => ID, { nullable: true, description: "The player who published it with its token." })
  sourcePlayerId!: string | null;

  @Field(() => ID, { nullable: true })
  targetGameId!: string | null;

  @Field(() => RealmSelector, { nullable: true })
  targetRealm!: unknown;

  @Field(() => ID, {
    nullable: true,
    description: "The room it was sent to: the players in it when it was published see it.",
  })
  targetRoomId!: string | null;

  @Field(() => ID, { nullable: true, description: "The player it was sent to." })
  targetPlayerId!: string | null;

  @Field(() => Boolean, { description: "Sent to every game (no target game, no realm selector)." })
  broadcast!: boolean;

  @Field(() => [ID], { description: "The games it is addressed to; empty for a broadcast." })
  recipientGameIds!: string[];

  @Field(() => GraphQLJSON)
  data!: unknown;

  @Field(() => EventDelivery)
  delivery!: EventDelivery;

  @Field(() => EventStatus)
  status!: EventStatus;

  @Field(() => Int64Scalar, { nullable: true, description: "The control tick current when it was delivered." })
  tick!: bigint | null;

  @Field(() => String, { nullable: true })
  idempotencyKey!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;
}
