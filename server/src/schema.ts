import "reflect-metadata";
import { createPubSub } from "@graphql-yoga/subscription";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { authChecker } from "./platform/graphql/auth-checker.ts";
import { DevelopersResolver } from "./features/developers/developers.resolver.ts";
import { EventsResolver } from "./features/events/events.resolver.ts";
import { EventsSubscriptionResolver } from "./features/events/events.subscription.ts";
import { TicksSubscriptionResolver } from "./features/universe/ticks.subscription.ts";
import { CompleteTickResolver } from "./features/universe/complete-tick.resolver.ts";
import { PresenceSubscriptionResolver } from "./features/players/presence.subscription.ts";
import { MyRoomSubscriptionResolver } from "./features/rooms/my-room.subscription.ts";
import { RoomOccupantsSubscriptionResolver } from "./features/rooms/room-occupants.subscription.ts";
import { GamesResolver } from "./features/games/games.resolver.ts";
import { GamesSubscriptionResolver } from "./features/games/games.subscription.ts";
import { RealmGameResolver } from "./features/games/realm-game.resolver.ts";
import { PlayerRoomResolver, RealmRoomsResolver } from "./features/rooms/room-links.resolver.ts";
import { PlayersResolver } from "./features/players/players.resolver.ts";
import { RealmsResolver } from "./features/realms/realms.resolver.ts";
import { RoomsResolver } from "./features/rooms/rooms.resolver.ts";
import { UniverseResolver, UniverseSubscriptionResolver } from "./features/universe/universe.resolver.ts";
import { DateTimeScalar } from "./platform/graphql/scalars/date-time.ts";
import { refuseNulArgs, validateInput } from "./platform/graphql/validate-input.ts";

let built: Promise<GraphQLSchema> | undefined;

/** The executable schema, built once per process from the resolvers' decorators. */
export function buildGraphQLSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [
      GamesResolver,
      RealmsResolver,
      RoomsResolver,
      RealmGameResolver,
      RealmRoomsResolver,
      PlayerRoomResolver,
      PlayersResolver,
      EventsResolver,
      DevelopersResolver,
      UniverseResolver,
      UniverseSubscriptionResolver,
      EventsSubscriptionResolver,
      TicksSubscriptionResolver,
      CompleteTickResolver,
      RoomOccupantsSubscriptionResolver,
      MyRoomSubscriptionResolver,
      PresenceSubscriptionResolver,
      GamesSubscriptionResolver,
    ],
    authChecker,
    // Required by type-graphql, unused: every subscription brings its own source (realtime/).
    pubSub: createPubSub(),
    validateFn: validateInput,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
  }).then(checkSubscriptionArgs);
  return built;
}

/**
 * A subscription's `subscribe` gets its arguments before type-graphql validates any (that runs
 * per event): the NUL refusal every other argument gets (`validateInput`) runs first here.
 */
function checkSubscriptionArgs(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const subscribe = field.subscribe;
    if (!subscribe) continue;
    field.subscribe = (root, args: Record<string, unknown>, context, info) => {
      refuseNulArgs(args);
      return subscribe(root, args, context, info);
    };
  }
  return schema;
}
