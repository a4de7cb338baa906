import { Authorized, Ctx, Query, Resolver, Root, Subscription } from "type-graphql";
import { Role } from "../../platform/auth/principal.ts";
import { closeSlowConsumer, type Context } from "../../platform/graphql/context.ts";
import { readUniverse } from "./read-universe.ts";
import { Universe } from "./universe.type.ts";

/**
 * What `universe` costs against MAX_QUERY_COST: five counts over whole tables and two Redis
 * reads, priced like 50 plain fields, so a request holds a few dozen aliases at most (and they
 * share one read: `readOnce`).
 */
const UNIVERSE_COST = 50;

/** The universe read of each request: every alias of `universe` in one request shares it. */
const perRequest = new WeakMap<Context, Promise<Universe>>();

function readOnce(ctx: Context): Promise<Universe> {
  let read = perRequest.get(ctx);
  if (!read) {
    read = readUniverse(ctx.services);
    perRequest.set(ctx, read);
  }
  return read;
}

@Resolver(() => Universe)
export class UniverseResolver {
  @Authorized()
  @Query(() => Universe, {
    description: "Counts across the multiverse, presence, nodes and the control tick.",
    complexity: ({ childComplexity }) => UNIVERSE_COST + childComplexity,
  })
  async universe(@Ctx() ctx: Context): Promise<Universe> {
    return readOnce(ctx);
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
