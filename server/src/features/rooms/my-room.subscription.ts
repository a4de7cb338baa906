import { Authorized, Ctx, Resolver, Root, Subscription } from "type-graphql";
import { Role } from "../../platform/auth/principal.ts";
import { forbidden } from "../../platform/errors/errors.ts";
import { subscriptionQueue, type Context } from "../../platform/graphql/context.ts";
import { channels, type PlayerMoved, type RoomMessage } from "../../platform/realtime/channels.ts";
import { liveStream } from "../../platform/realtime/live-stream.ts";
import { MyRoom } from "./my-room.type.ts";

/** What a player's room stream hears: its own moves, and its current room's changes. */
type Heard = { moved: PlayerMoved } | { room: RoomMessage };

/**
 * A player's room as it goes: listens to the player's moves first, then reads where it is, so
 * no move falls in between. For each room it is in: listens to the room, reads the snapshot,
 * yields it, then the room's newer changes, until the player moves; then the same for the next
 * room (or one snapshot with no room). Changes of a room it left are dropped by room id, and
 * its own leaving is not sent: the next snapshot says where it went.
 */
async function subscribeMyRoom(ctx: Context): Promise<AsyncIterable<MyRoom>> {
  const p = ctx.principal;
  if (p.kind !== "player") throw forbidden("myRoom is a player's own room: subscribe with a player token");
  const { prisma, realtime, channels: bus } = ctx.services;
  return liveStream<Heard, MyRoom>(
    (push) => bus.subscribe(channels.player(p.playerId), (moved) => push({ moved })),
    // A change carries the room's whole list: it weighs what its occupants do.
    {
      ...subscriptionQueue<Heard>(ctx),
      weigh: (h) => ("room" in h ? 256 + 128 * h.room.occupants.length : 256),
    },
    async function* (live) {
      const player = await prisma.player.findUnique({ where: { id: p.playerId }, select: { roomId: true } });
      let roomId = player?.roomId ?? null;
      for (;;) {
        const stopRoom = roomId ? await bus.subscribe(channels.room(roomId), (room) => live.push({ room })) : null;
        try {
          let last = -1n;
          if (roomId) {
            const snapshot = await realtime.occupancy.snapshot(roomId, p.gameId);
            last = snapshot.version;
            yield snapshot;
          } else {
            yield { roomId: null, version: 0n, occupants: [], change: null };
          }
          let next: string | null | undefined;
          for await (const h of live) {
            if ("moved" in h) {
              if (h.moved.roomId !== roomId) {
                next = h.moved.roomId;
                break;
              }
              continue;
            }
            if (h.room.roomId !== roomId || h.room.version <= last) continue;
            last = h.room.version;
            // Its own leaving is its move: the next room's snapshot says it (the move comes next).
            const change = h.room.change;
            if (change?.playerId === p.playerId && change.kind === "LEFT" && change.cause === "MOVED") continue;
            yield h.room;
          }
          if (next === undefined) return; // the consumer left
          roomId = next;
        } finally {
          await stopRoom?.();
        }
      }
    },
  );
}

@Resolver(() => MyRoom)
export class MyRoomSubscriptionResolver {
  @Authorized(Role.Player)
  @Subscription(() => MyRoom, {
    description:
      "For a player token: its room and the room's online players, at once and again after each of its moves (no resubscribing), and every change of them in between, with the room's version.",
    subscribe: ({ context }) => subscribeMyRoom(context as Context),
  })
  myRoom(@Root() update: MyRoom, @Ctx() _ctx: Context): MyRoom {
    return update;
  }
}
