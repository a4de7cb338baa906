import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription } from "type-graphql";
import { closeSlowConsumer, type Context } from "../../platform/graphql/context.ts";
import { channels, type RoomMessage } from "../../platform/realtime/channels.ts";
import { liveStream } from "../../platform/realtime/live-stream.ts";
import { RoomOccupants } from "./room-occupants.type.ts";
import { requireRoom } from "./rooms.service.ts";

/**
 * The snapshot, then one message per change, each with the full list and a version that only
 * goes up. It listens before it reads the snapshot, so no change falls in between; anything
 * not newer than what was sent is dropped (messages from several nodes may cross).
 */
async function subscribeRoom(ctx: Context, roomId: string): Promise<AsyncIterable<RoomMessage>> {
  const { channels: bus, realtime, config } = ctx.services;
  const room = await requireRoom(ctx.services.prisma, ctx.principal, roomId, "private");
  return liveStream<RoomMessage>(
    (push) => bus.subscribe(channels.room(roomId), push),
    { capacity: config.subscriptionBufferSize, onOverflow: () => closeSlowConsumer(ctx) },
    async function* (live) {
      const snapshot = await realtime.occupancy.snapshot(roomId, room.gameId);
      let last = snapshot.version;
      yield snapshot;
      for await (const m of live) {
        if (m.version <= last) continue;
        last = m.version;
        yield m;
      }
    },
  );
}

@Resolver(() => RoomOccupants)
export class RoomOccupantsSubscriptionResolver {
  @Authorized()
  @Subscription(() => RoomOccupants, {
    description:
      "A room's online players: first the snapshot, then one message per change with the full list, the change and the room's version.",
    subscribe: ({ args, context }) => subscribeRoom(context as Context, (args as { roomId: string }).roomId),
  })
  roomOccupants(
    @Root() update: RoomOccupants,
    @Arg("roomId", () => ID) _roomId: string,
    @Ctx() _ctx: Context,
  ): RoomOccupants {
    return update;
  }
}
