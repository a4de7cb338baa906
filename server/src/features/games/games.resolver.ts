import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { checkGame, directoryWhere, owns, requireGame } from "../../platform/auth/access.ts";
import { generateKey, hashKey } from "../../platform/auth/keys.ts";
import { Role } from "../../platform/auth/principal.ts";
import { badInput } from "../../platform/errors/errors.ts";
import type { Context } from "../../platform/graphql/context.ts";
import { GameStatus } from "../../platform/graphql/enums.ts";
import { SLUG } from "../../platform/graphql/validators.ts";
import { Realm } from "../realms/realm.type.ts";
import { Game } from "./game.type.ts";
import { heartbeat, isStale } from "./games.service.ts";
import { distinctTypes, registerGame } from "./register-game.ts";
import { RegisterGameInput } from "./register-game.input.ts";
import { RegisterGamePayload } from "./register-game.payload.ts";
import { roundTrips } from "../../platform/graphql/query-cost.ts";
import { maxOf, overridesOf, QUOTA_NAMES } from "../../platform/quotas/game-quotas.ts";
import { GameQuotasInput } from "./game-quotas.input.ts";
import { UpdateGameInput } from "./update-game.input.ts";
import { GameQuotas } from "./game-quotas.type.ts";

function requireSlug(id: string): void {
  if (!SLUG.test(id)) throw badInput("id must be 3–40 characters of a-z, 0-9 and '-', starting with a letter", "id");
}

@Resolver(() => Game)
export class GamesResolver {
  @Authorized()
  @Query(() => [Game], {
    description:
      "The games you may see, by id: all for admins, your own for developers, the registered ones for games and players.",
    complexity: roundTrips(1),
  })
  async games(
    @Ctx() { principal: p, services }: Context,
    @Arg("status", () => GameStatus, { nullable: true }) status?: GameStatus | null,
  ): Promise<Game[]> {
    return services.prisma.game.findMany({
      where: {
        ...(status ? { status } : {}),
        ...(p.kind === "developer" ? { developerId: p.developerId } : {}),
        ...directoryWhere(p),
      },
      orderBy: { id: "asc" },
    });
  }

  @Authorized()
  @Query(() => Game, { description: "One game's public card.", complexity: roundTrips(1) })
  async game(@Ctx() { principal, services }: Context, @Arg("id", () => ID) id: string): Promise<Game> {
    const game = await services.prisma.game.findUnique({ where: { id } });
    checkGame(principal, game, "directory", { what: "Game", id });
    return game;
  }

  @FieldResolver(() => GameQuotas, {
    nullable: true,
    description: "The game's quotas, for its owners (the admin, its developer, the game itself); null for anyone else.",
  })
  quotas(@Root() game: Game & { quotas?: unknown }, @Ctx() { principal, services }: Context): GameQuotas | null {
    if (!owns(principal, game)) return null;
    return { ...services.config.gameQuotas, ...overridesOf(game.quotas) };
  }

  @Authorized(Role.Admin, Role.Developer, Role.Game)
  @Mutation(() => Game, {
    description:
      "Changes a game's name, description, playerEventTypes or tick barrier (its owners: the admin, its developer, the game itself).",
  })
  async updateGame(
    @Ctx() { principal, services }: Context,
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateGameInput) input: UpdateGameInput,
  ): Promise<Game> {
    requireSlug(id);
    await requireGame(services.prisma, principal, id, "manage");
    const data = {
      ...(typeof input.name === "string" ? { name: input.name.trim() } : {}),
      ...(typeof input.description === "string" ? { description: input.description.trim() } : {}),
      ...(Array.isArray(input.playerEventTypes) ? { playerEventTypes: distinctTypes(input.playerEventTypes) } : {}),
      ...(typeof input.tickBarrier === "boolean" ? { tickBarrier: input.tickBarrier } : {}),
    };
    const game = await services.prisma.game.update({ where: { id }, data });
    await services.realtime.gameChanges.publish("UPDATED", game);
    return game;
  }

  @Authorized(Role.Admin)
  @Mutation(() => Game, {
    description:
      "Overrides some of a game's quotas (a number), or returns them to the node's settings (null). Applies at once on this node, within CREDENTIAL_CACHE_SECONDS on the others; connections already open keep the subscriptions quota they opened with.",
  })
  async setGameQuotas(
    @Ctx() { principal, services }: Context,
    @Arg("id", () => ID) id: string,
    @Arg("quotas", () => GameQuotasInput) quotas: GameQuotasInput,
  ): Promise<Game> {
    requireSlug(id);
    await requireGame(services.prisma, principal, id, "manage");
    const set: Record<string, number> = {};
    const unset: string[] = [];
    for (const name of QUOTA_NAMES) {
      const value = quotas[name];
      if (value === null) unset.push(name);
      else if (value !== undefined) {
        if (value < 0 || value > maxOf(name))
          throw badInput(`${name} must be from 0 to ${maxOf(name)}`, `quotas.${name}`);
        set[name] = Number(value);
      }
    }
    // One statement: two admins' changes to different quotas never undo each other.
    await services.prisma.$executeRaw`
      UPDATE games SET quotas = (quotas || ${JSON.stringify(set)}::jsonb) - ${unset}::text[] WHERE id = ${id}`;
    services.quotas.forget(id);
    const game = await services.prisma.game.findUniqueOrThrow({ where: { id } });
    await services.realtime.gameChanges.publish("UPDATED", game);
    return game;
  }

  @FieldResolver(() => Boolean, {
    description:
      "True when the game sent heartbeats and none for GAME_STALE_SECONDS; false again with its next. A game that never sent one is not stale.",
  })
  stale(@Root() game: Game, @Ctx() { services }: Context): boolean {
    return isStale(game.lastHeartbeatAt, services.config.gameStaleSeconds);
  }

  @FieldResolver(() => [Realm], { description: "The game's realms and their addresses." })
  async realms(@Root() game: Game, @Ctx() { loaders }: Context): Promise<Realm[]> {
    return loaders.realmsOfGame.load(game.id);
  }

  @Authorized(Role.Admin, Role.Developer)
  @Mutation(() => RegisterGamePayload, {
    description: "Registers a game with its first realm. The API key in the answer is shown only this once.",
  })
  async registerGame(
    @Ctx() { principal, services }: Context,
    @Arg("input", () => RegisterGameInput) input: RegisterGameInput,
  ): Promise<RegisterGamePayload> {
    const registered = await registerGame(services.prisma, principal, input);
    await services.realtime.gameChanges.publish("REGISTERED", registered.game);
    return registered;
  }

  @Authorized(Role.Admin, Role.Developer)
  @Mutation(() => Game, {
    description: "Unregisters a game: its API key stops working and its data becomes read-only. The id stays taken.",
  })
  async unregisterGame(@Ctx() { principal, services }: Context, @Arg("id", () => ID) id: string): Promise<Game> {
    requireSlug(id);
    await requireGame(services.prisma, principal, id, "manage");
    const game = await services.prisma.game.update({ where: { id }, data: { status: "UNREGISTERED" } });
    await services.realtime.credentials.ended({ why: "game-unregistered", gameId: id });
    await services.realtime.gameChanges.publish("UNREGISTERED", game);
    return game;
  }

  @Authorized(Role.Admin, Role.Developer)
  @Mutation(() => Game, {
    description: "Pauses (the control tick skips it) or resumes a game. To remove one, use unregisterGame.",
  })
  async setGameStatus(
    @Ctx() { principal, services }: Context,
    @Arg("id", () => ID) id: string,
    @Arg("status", () => GameStatus) status: GameStatus,
  ): Promise<Game> {
    requireSlug(id);
    if (status === "UNREGISTERED") throw badInput("status must be ACTIVE or PAUSED; use unregisterGame", "status");
    await requireGame(services.prisma, principal, id, "manage");
    const game = await services.prisma.game.update({ where: { id }, data: { status } });
    await services.realtime.gameChanges.publish("STATUS_CHANGED", game);
    return game;
  }

  @Authorized(Role.Admin, Role.Developer)
  @Mutation(() => RegisterGamePayload, {
    description: "Replaces a game's API key: the old one stops working at once. The new key is shown only this once.",
  })
  async rotateGameKey(
    @Ctx() { principal, services }: Context,
    @Arg("id", () => ID) id: string,
  ): Promise<RegisterGamePayload> {
    requireSlug(id);
    await requireGame(services.prisma, principal, id, "manage");
    const apiKey = generateKey("game");
    const game = await services.prisma.game.update({ where: { id }, data: { apiKeyHash: hashKey(apiKey) } });
    await services.realtime.credentials.ended({ why: "key-rotated", gameId: id });
    await services.realtime.gameChanges.publish("KEY_ROTATED", game);
    return { game, apiKey };
  }

  @Authorized(Role.Game)
  @Mutation(() => Game, {
    description:
      "Says the game server is alive, and that the players named in `playerIds` are still around (their `lastSeenAt`).",
  })
  async heartbeat(
    @Ctx() { principal, services }: Context,
    @Arg("playerIds", () => [ID], { defaultValue: [] }) playerIds: string[],
  ): Promise<Game> {
    return heartbeat(services, principal, playerIds);
  }
}
