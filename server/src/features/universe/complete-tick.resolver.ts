import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import { Role } from "../../platform/auth/principal.ts";
import type { Context } from "../../platform/graphql/context.ts";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";
import { completeTick } from "./complete-tick.ts";

/** The tick barrier's one mutation: a game reports a tick it finished. */
@Resolver()
export class CompleteTickResolver {
  @Authorized(Role.Game)
  @Mutation(() => Boolean, {
    description:
      "Reports that the calling game finished tick `number`, the current tick (a game that opted into the tick barrier: updateGame tickBarrier). The leader starts the next tick once every such game reported, or TICK_BARRIER_MS after it was due. True once recorded.",
  })
  async completeTick(
    @Ctx() { principal, services }: Context,
    @Arg("number", () => Int64Scalar) number: bigint,
  ): Promise<boolean> {
    return completeTick(services, principal, number);
  }
}
