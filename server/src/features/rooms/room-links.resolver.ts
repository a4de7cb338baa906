import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { checkGame } from "../../platform/auth/access.ts";
import { Role } from "../../platform/auth/principal.ts";
import type { Context } from "../../platform/graphql/context.ts";
import { Player } from "../players/player.type.ts";
import { Realm } from "../realms/realm.type.ts";
import { movePlayer } from "./move-player.ts";
import { Room } from "./room.type.ts";

// Rooms link realms above them and players inside them; the links live here, with the rooms,
// so realms/ and players/ need not know rooms exist (features import one way only).

@Resolver(() => Realm)
export class RealmRoomsResolver {
  @FieldResolver(() => [Room], { description: "Its rooms: for the game's owners and players only." })
  async rooms(@Root() realm: Realm, @Ctx() { principal, loaders }: Context): Promise<Room[]> {
    checkGame(principal, await loaders.game.load(realm.gameId), "private", { what: "Game", id: realm.gameId });
    return loaders.roomsOfRealm.load(realm.id);
  }
}

@Resolver(() => Player)
export class PlayerRoomResolver {
  @FieldResolver(() => Room, { nullable: true })
  async room(@Root() player: Player, @Ctx() { loaders }: Context): Promise<Room | null> {
    return player.roomId ? loaders.room.load(player.roomId) : null;
  }

  @Authorized(Role.Admin, Role.Developer, Role.Game, Role.Player)
  @Mutation(() => Player, {
    description: "Moves a player into a room of its game; `roomId: null` takes it out of every room.",
  })
  async movePlayer(
    @Ctx() { principal, services }: Context,
    @Arg("playerId", () => ID) playerId: string,
    @Arg("roomId", () => ID, { nullable: true }) roomId?: string | null,
  ): Promise<Player> {
    return movePlayer(services, principal, playerId, roomId ?? null);
  }
}
