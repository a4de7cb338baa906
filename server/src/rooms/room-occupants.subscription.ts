import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription } from "type-graphql";
import { closeSlowConsumer, type Context } from "../graphql/context.ts";
import { BoundedQueue } from "../realtime/bounded-queue.ts";
import { stoppable } from "../realtime/stoppable.ts";
import { occupantsOf, type RoomMessage } from "../realtime/occupancy.ts";
import { Channel } from "../realtime/topics.ts";
import type { OccupantChange } from "./occupant-change.type.ts";
import { RoomOccupants } from "./room-occupants.type.ts";
import { requireRoom } from "./rooms.service.ts";

/**
 * The snapshot, then one message per change, each with the full list and a version that only
 * goes up. It listens before it reads the snapshot, so no change falls in between; anything
 * not newer than what was sent is dropped (messages from several nodes may cross).
 */
async function subscribeRoom(ctx: Context, roomId: string): Promise<AsyncIterable<RoomOccupants>> {
  const { prisma, bus, realtime, config } = ctx.services;
  const room = await requireRoom(prisma, ctx.principal, roomId, "private");
  // Everything it holds is taken inside the generator, so its `finally` always gives it back.
  return stoppable(async function* (signal) {
    const queue = new BoundedQueue<RoomMessage>(config.subscriptionBufferSize, {
      signal,
      onOverflow: () => closeSlowConsumer(ctx),
    });
    const stop = await bus.subscribe(Channel.room(roomId), (text) => queue.push(JSON.parse(text) as RoomMessage));
    try {
      const snapshot = await prisma.$transaction(
        async (tx) => {
          const r = await tx.room.findUniqueOrThrow({ where: { id: roomId }, select: { version: true } });
          const players = await tx.player.findMany({ where: { roomId }, orderBy: { displayName: "asc" } });
          return { version: r.version, players };
        },
        { isolationLevel: "RepeatableRead" },
      );
      const online = await realtime.presence.online(room.gameId);
      let last = snapshot.version;
      yield { roomId, version: last, occupants: occupantsOf(snapshot.players, online), change: null };
      for await (const m of queue) {
        const version = BigInt(m.version);
        if (version <= last) continue;
        last = version;
        yield {
          roomId,
          version,
          // Only online players are occupants (see Presence.publishRoom).
          occupants: m.occupants.map((p) => ({
            ...p,
            lastSeenAt: p.lastSeenAt ? new Date(p.lastSeenAt) : null,
            createdAt: new Date(p.createdAt),
            online: true,
          })),
          change: m.change as OccupantChange | null,
        };
      }
    } finally {
      await stop();
    }
  });
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
