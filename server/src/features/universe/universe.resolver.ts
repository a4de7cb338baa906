import { Authorized, Ctx, Query, Resolver, Root, Subscription } from "type-graphql";
import { Role } from "../../platform/auth/principal.ts";
import { closeSlowConsumer, type Context } from "../../platform/graphql/context.ts";
import { readUniverse } from "./read-universe.ts";
import { Universe } from "./universe.type.ts";

@Resolver(() => Universe)
export class UniverseResolver {
  @Authorized()
  @Query(() => Universe, { description: "Counts across the multiverse, presence, nodes and the control tick." })
  async universe(@Ctx() { services }: Context): Promise<Universe> {
    return readUniverse(services);
  }
}

@Resolver(() => Universe)
export class UniverseSubscriptionResolver {
  @Authorized(Role.Admin)
  @Subscription(() => Universe, {
    description: "The universe, once a second (admin).",
    subscribe: ({ context }) => {
      const ctx = context as Context;
      return ctx.services.realtime.polls.watch(
        "universe",
        1000,
        () => readUniverse(ctx.services),
        () => closeSlowConsumer(ctx),
      );
    },
  })
  universe(@Root() u: Universe): Universe {
    return u;
  }
}
