import { Authorized, Ctx, Query, Resolver } from "type-graphql";
import type { Context } from "../graphql/context.ts";
import { Universe } from "./universe.type.ts";

@Resolver(() => Universe)
export class UniverseResolver {
  @Authorized()
  @Query(() => Universe, { description: "Counts across the multiverse and the control tick." })
  async universe(@Ctx() { services }: Context): Promise<Universe> {
    const { prisma } = services;
    const registered = { status: { not: "UNREGISTERED" as const } };
    const [games, realms, rooms, players, pendingEvents, state] = await Promise.all([
      prisma.game.count({ where: registered }),
      prisma.realm.count({ where: { game: registered } }),
      prisma.room.count({ where: { realm: { game: registered } } }),
      prisma.player.count({ where: { game: registered } }),
      prisma.event.count({ where: { status: "PENDING" } }),
      prisma.universeState.findUniqueOrThrow({ where: { id: 1 } }),
    ]);
    return {
      games,
      realms,
      rooms,
      players,
      pendingEvents,
      events: state.lastSeq,
      currentTick: state.currentTick,
      tickAt: state.tickAt,
    };
  }
}
