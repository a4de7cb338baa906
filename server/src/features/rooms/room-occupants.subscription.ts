import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription } from "type-graphql";
import { subscriptionQueue, type Context } from "../../platform/graphql/context.ts";
import { channels, type RoomMessage } from "../../platform/realtime/channels.ts";
import type { DirectSink, Fanout } from "../../platform/realtime/fanout.ts";
import { handOver, liveStream } from "../../platform/realtime/live-stream.ts";
import { RoomOccupants } from "./room-occupants.type.ts";
import { requireRoom } from "./rooms.service.ts";

/**
 * The snapshot, then one message per change, each with the full list and a version that only
 * goes up. It listens before it reads the snapshot, so no change falls in between; anything
 * not newer than what was sent is dropped (messages from several nodes may cross). Once caught
 * up, a watcher over WebSocket joins the room's fan-out: a RoomOccupants payload reads nothing
 * but the message (its occupants are marked online already), so watchers of a room with the
 * same operation share one rendering of each change.
 */
async function subscribeRoom(ctx: Context, roomId: string): Promise<AsyncIterable<RoomMessage>> {
  const { channels: bus, realtime } = ctx.services;
  const room = await requireRoom(ctx.services.prisma, ctx.principal, roomId, "private");
  const channel = channels.room(roomId);
  let shared: { fanout: Fanout<RoomMessage>; release: () => Promise<void> } | undefined;
  return liveStream<RoomMessage>(
    async (push) => {
      const stop = await bus.subscribe(channel, push);
      try {
        if (ctx.sink) shared = await realtime.fanouts.acquire(channel);
      } catch (err) {
        await stop();
        throw err;
      }
      return async () => {
        await stop();
        await shared?.release();
      };
    },
    // A change carries the room's whole list: it weighs what its occupants do.
    { ...subscriptionQueue<RoomMessage>(ctx), weigh: (m) => 256 + 128 * m.occupants.length },
    async function* (live, signal) {
      const snapshot = await realtime.occupancy.snapshot(roomId, room.gameId);
      let last = snapshot.version;
      yield snapshot;
      const newer = (m: RoomMessage) => {
        if (m.version <= last) return false;
        last = m.version;
        return true;
      };
      if (shared && ctx.sink) {
        yield* handOver(live, signal, { fanout: shared.fanout, sink: ctx.sink as DirectSink<RoomMessage> }, newer);
        return;
      }
      for await (const m of live) if (newer(m)) yield m;
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
