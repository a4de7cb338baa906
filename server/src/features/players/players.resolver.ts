import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { actingGameId, requireGame } from "../../platform/auth/access.ts";
import { Role } from "../../platform/auth/principal.ts";
import type { Context } from "../../platform/graphql/context.ts";
import { PlayerToken } from "./player-token.type.ts";
import { Player } from "./player.type.ts";
import { findPlayer } from "./players.service.ts";
import { UpsertPlayerInput } from "./upsert-player.input.ts";
import { roundTrips } from "../../platform/graphql/query-cost.ts";

@Resolver(() => Player)
export class PlayersResolver {
  @Authorized()
  @Query(() => [Player], {
    description: "A game's players. `gameId` defaults to the caller's game.",
    complexity: roundTrips(3), // the game, its players, who is online
  })
  async players(
    @Ctx() ctx: Context,
    @Arg("gameId", () => ID, { nullable: true }) gameId?: string | null,
    @Arg("online", () => Boolean, { nullable: true, description: "Only those online (true) or offline (false)." })
    online?: boolean | null,
  ): Promise<Player[]> {
    const { principal, services } = ctx;
    const id = actingGameId(principal, gameId);
    await requireGame(services.prisma, principal, id, "private");
    const players = await services.prisma.player.findMany({ where: { gameId: id }, orderBy: { createdAt: "asc" } });
    if (online === undefined || online === null) return players;
    const now = await ctx.loaders.onlineIn.load(id);
    return players.filter((p) => now.has(p.id) === online).map((p) => ({ ...p, online }));
  }

  @FieldResolver(() => Boolean, {
    description: "Connected now (a connection with its token is open), or vouched for by its game's heartbeat.",
  })
  async online(@Root() player: Player, @Ctx() ctx: Context): Promise<boolean> {
    return player.online ?? (await ctx.loaders.onlineIn.load(player.gameId)).has(player.id);
  }

  @Authorized(Role.Admin, Role.Developer, Role.Game)
  @Mutation(() => Player, { description: "Creates a player, or updates the one with the same `externalId`." })
  async upsertPlayer(
    @Ctx() { principal, services }: Context,
    @Arg("input", () => UpsertPlayerInput) input: UpsertPlayerInput,
  ): Promise<Player> {
    const gameId = actingGameId(principal, input.gameId);
    await requireGame(services.prisma, principal, gameId, "manage");
    const displayName = input.displayName.trim();
    const where = { gameId_externalId: { gameId, externalId: input.externalId } };
    if (!(await services.prisma.player.findUnique({ where, select: { id: true } }))) {
      await services.quotas.requireBelow(gameId, "players", (take) =>
        services.prisma.player.count({ where: { gameId }, take }),
      );
    }
    return services.prisma.player.upsert({
      where,
      create: { gameId, externalId: input.externalId, displayName },
      update: { displayName },
    });
  }

  @Authorized(Role.Admin, Role.Developer, Role.Game)
  @Mutation(() => PlayerToken, { description: "A short-lived token for the player's client." })
  async issuePlayerToken(
    @Ctx() { principal, services }: Context,
    @Arg("playerId", () => ID) playerId: string,
  ): Promise<PlayerToken> {
    const player = await findPlayer(services.prisma, playerId);
    await requireGame(services.prisma, principal, player.gameId, "manage", {
      what: "Player",
      id: playerId,
      seen: "private",
    });
    const { token, expiresAt } = await services.playerTokens.issue({ playerId, gameId: player.gameId });
    return { token, expiresAt, player };
  }
}
