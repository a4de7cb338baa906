import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { Role } from "../../platform/auth/principal.ts";
import type { Context } from "../../platform/graphql/context.ts";
import { validateListInput } from "../../platform/graphql/validate-input.ts";
import { EventConnection } from "./event-connection.type.ts";
import { EventLog } from "./event-log.type.ts";
import { Event } from "./event.type.ts";
import { DEFAULT_EVENTS_PAGE, EventsArgs } from "./events.args.ts";
import { listEvents } from "./list-events.ts";
import { PublishEventInput } from "./publish-event.input.ts";
import { publishEvent, publishEvents } from "./publish-event.ts";
import { ROUND_TRIP_COST, roundTrips } from "../../platform/graphql/query-cost.ts";

@Resolver(() => Event)
export class EventsResolver {
  @Authorized()
  @Query(() => EventConnection, {
    description:
      "Delivered events you may see, oldest first: the first `first` after `after`, or the last `last` before `before`.",
    complexity: ({ args, childComplexity }) =>
      ROUND_TRIP_COST + childComplexity * Number(args["last"] ?? args["first"] ?? DEFAULT_EVENTS_PAGE),
  })
  async events(
    @Ctx() { principal, services }: Context,
    @Args(() => EventsArgs) args: EventsArgs,
  ): Promise<EventConnection> {
    return listEvents(services.prisma, principal, args);
  }

  @Authorized()
  @Query(() => EventLog, {
    description: "Where the event log ends and what retention kept: one row.",
    complexity: roundTrips(1),
  })
  async eventLog(@Ctx() { services }: Context): Promise<EventLog> {
    return services.realtime.log.head();
  }

  @Authorized(Role.Admin, Role.Game, Role.Player)
  @Mutation(() => Event, {
    description:
      "Publishes an event from the calling game, from the calling player (to its room, a player of its game, or its game's server; only its game's playerEventTypes), or, for an admin, from the multiverse itself.",
  })
  async publishEvent(
    @Ctx() { principal, services }: Context,
    @Arg("input", () => PublishEventInput) input: PublishEventInput,
  ): Promise<Event> {
    return publishEvent(services, principal, input);
  }

  @Authorized(Role.Admin, Role.Game, Role.Player)
  @Mutation(() => [Event], {
    description:
      "Publishes a list of events (at most MAX_EVENTS_PER_PUBLISH) at once, all or none: delivered ones get consecutive seqs in input order. Each input is priced and rate-limited as one event.",
    complexity: ({ args, childComplexity }) =>
      1 + childComplexity * (Array.isArray(args["inputs"]) ? args["inputs"].length : 1),
  })
  async publishEvents(
    @Ctx() { principal, services }: Context,
    @Arg("inputs", () => [PublishEventInput], { validateFn: validateListInput("inputs") }) inputs: PublishEventInput[],
  ): Promise<Event[]> {
    return publishEvents(services, principal, inputs);
  }
}
