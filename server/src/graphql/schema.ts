import "reflect-metadata";
import { createPubSub } from "@graphql-yoga/subscription";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { authChecker } from "../auth/auth-checker.ts";
import { DevelopersResolver } from "../developers/developers.resolver.ts";
import { EventsResolver } from "../events/events.resolver.ts";
import { EventsSubscriptionResolver } from "../events/events.subscription.ts";
import { TicksSubscriptionResolver } from "../universe/ticks.subscription.ts";
import { PresenceSubscriptionResolver } from "../players/presence.subscription.ts";
import { RoomOccupantsSubscriptionResolver } from "../rooms/room-occupants.subscription.ts";
import { GamesResolver } from "../games/games.resolver.ts";
import { PlayersResolver } from "../players/players.resolver.ts";
import { RealmsResolver } from "../realms/realms.resolver.ts";
import { RoomsResolver } from "../rooms/rooms.resolver.ts";
import { UniverseResolver, UniverseSubscriptionResolver } from "../universe/universe.resolver.ts";
import { DateTimeScalar } from "./scalars/date-time.ts";
import { validateInput } from "./validate-input.ts";

let built: Promise<GraphQLSchema> | undefined;

/** The executable schema, built once per process from the resolvers' decorators. */
export function buildGraphQLSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [
      GamesResolver,
      RealmsResolver,
      RoomsResolver,
      PlayersResolver,
      EventsResolver,
      DevelopersResolver,
      UniverseResolver,
      UniverseSubscriptionResolver,
      EventsSubscriptionResolver,
      TicksSubscriptionResolver,
      RoomOccupantsSubscriptionResolver,
      PresenceSubscriptionResolver,
    ],
    authChecker,
    // Required by type-graphql, unused: every subscription brings its own source (realtime/).
    pubSub: createPubSub(),
    validateFn: validateInput,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
  });
  return built;
}
