import { Args, ArgsType, Authorized, Ctx, Field, Resolver, Root, Subscription } from "type-graphql";
import { EventFilterArgs } from "./event-filter.args.ts";
import type { Context } from "../../platform/graphql/context.ts";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";
import type { EventRow } from "../../platform/realtime/channels.ts";
import { Event } from "./event.type.ts";
import { subscribeEvents } from "./subscribe-events.ts";

@ArgsType()
export class EventsSubscriptionArgs extends EventFilterArgs {
  @Field(() => Int64Scalar, {
    nullable: true,
    description: "Replay every event after this seq first (the last one you received), then go live.",
  })
  since?: bigint | null;
}

@Resolver(() => Event)
export class EventsSubscriptionResolver {
  @Authorized()
  @Subscription(() => Event, {
    description:
      "Delivered events you may see, in seq order, each once: those after `since` first, then live ones. A client that falls too far behind is disconnected (close code 4010) and resumes with `since`.",
    subscribe: ({ args, context }) => subscribeEvents(context as Context, args as EventsSubscriptionArgs),
  })
  events(
    @Root() event: EventRow,
    @Args(() => EventsSubscriptionArgs) _args: EventsSubscriptionArgs,
    @Ctx() _ctx: Context,
  ): Event {
    return event;
  }
}
