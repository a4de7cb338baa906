import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { actingGameId, directoryWhere, requireGame } from "../../platform/auth/access.ts";
import { Role } from "../../platform/auth/principal.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { conflict } from "../../platform/errors/errors.ts";
import type { Context } from "../../platform/graphql/context.ts";
import { CreateRealmInput } from "./create-realm.input.ts";
import { Realm } from "./realm.type.ts";
import { RealmsArgs } from "./realms.args.ts";
import { selectorWhere } from "./realm-selector.input.ts";
import { roundTrips } from "../../platform/graphql/query-cost.ts";

@Resolver(() => Realm)
export class RealmsResolver {
  @Authorized()
  @Query(() => [Realm], {
    description: "Realms by game and address. Realms of unregistered games are left out, except for their owners.",
    complexity: roundTrips(1),
  })
  async realms(@Ctx() { principal, services }: Context, @Args(() => RealmsArgs) args: RealmsArgs): Promise<Realm[]> {
    return services.prisma.realm.findMany({
      where: {
        ...(args.gameId ? { gameId: args.gameId } : {}),
        ...selectorWhere(args),
        game: directoryWhere(principal),
      },
      orderBy: [{ gameId: "asc" }, { name: "asc" }],
      take: args.first,
    });
  }

  @Authorized(Role.Admin, Role.Developer, Role.Game)
  @Mutation(() => Realm, { description: "Adds a realm to a game. Realm names are unique within a game." })
  async createRealm(
    @Ctx() { principal, services }: Context,
    @Arg("input", () => CreateRealmInput) input: CreateRealmInput,
  ): Promise<Realm> {
    const gameId = actingGameId(principal, input.gameId);
    await requireGame(services.prisma, principal, gameId, "manage");
    try {
      return await services.prisma.realm.create({
        data: {
          gameId,
          name: input.name.trim(),
          realmType: input.realmType,
          adjacency: input.adjacency,
          resonance: input.resonance,
        },
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`Game "${gameId}" already has a realm named "${input.name.trim()}"`);
      throw err;
    }
  }
}
