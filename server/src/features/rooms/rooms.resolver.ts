import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { requireGame } from "../../platform/auth/access.ts";
import { Role } from "../../platform/auth/principal.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { conflict, notFound } from "../../platform/errors/errors.ts";
import type { Context } from "../../platform/graphql/context.ts";
import { Realm } from "../realms/realm.type.ts";
import { CreateRoomInput } from "./create-room.input.ts";
import { RoomOccupants } from "./room-occupants.type.ts";
import { Room } from "./room.type.ts";
import { requireRoom } from "./rooms.service.ts";
import { present } from "../../platform/graphql/loaders.ts";
import { roundTrips } from "../../platform/graphql/query-cost.ts";

@Resolver(() => Room)
export class RoomsResolver {
  @Authorized()
  @Query(() => Room, { complexity: roundTrips(1) })
  async room(@Ctx() { principal, services }: Context, @Arg("id", () => ID) id: string): Promise<Room> {
    return requireRoom(services.prisma, principal, id, "private", "id");
  }

  @Authorized()
  @Query(() => RoomOccupants, {
    description: "The online players in a room now, with the room's version.",
    complexity: roundTrips(4), // the room; its version and players (a transaction); who is online
  })
  async roomOccupants(
    @Ctx() { principal, services }: Context,
    @Arg("roomId", () => ID) roomId: string,
  ): Promise<RoomOccupants> {
    const room = await requireRoom(services.prisma, principal, roomId, "private");
    return services.realtime.occupancy.snapshot(roomId, room.gameId);
  }

  @FieldResolver(() => Realm)
  async realm(@Root() room: Room, @Ctx() { loaders }: Context): Promise<Realm> {
    return present(await loaders.realm.load(room.realmId), "room's realm");
  }

  @Authorized(Role.Admin, Role.Developer, Role.Game)
  @Mutation(() => Room, { description: "Opens a room in a realm of your game. Room names are unique within a realm." })
  async createRoom(
    @Ctx() { principal, services }: Context,
    @Arg("input", () => CreateRoomInput) input: CreateRoomInput,
  ): Promise<Room> {
    const { prisma } = services;
    const realm = await prisma.realm.findUnique({ where: { id: input.realmId }, select: { gameId: true } });
    if (!realm) throw notFound("Realm", input.realmId);
    await requireGame(prisma, principal, realm.gameId, "manage", { what: "Realm", id: input.realmId });
    const name = input.name.trim();
    await services.quotas.requireBelow(realm.gameId, "rooms", (take) =>
      prisma.room.count({ where: { realm: { gameId: realm.gameId } }, take }),
    );
    try {
      return await prisma.room.create({ data: { realmId: input.realmId, name, description: input.description ?? "" } });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`The realm already has a room named "${name}"`);
      throw err;
    }
  }
}
