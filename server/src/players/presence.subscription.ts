import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription } from "type-graphql";
import { actingGameId, requireGame } from "../auth/access.ts";
import { closeSlowConsumer, type Context } from "../graphql/context.ts";
import { BoundedQueue } from "../realtime/bounded-queue.ts";
import { stoppable } from "../realtime/stoppable.ts";
import type { PresenceMessage } from "../realtime/occupancy.ts";
import { Channel } from "../realtime/topics.ts";
import type { PresenceCause } from "../rooms/occupant-change.type.ts";
import { PresenceChange } from "./presence-change.type.ts";

async function subscribePresence(ctx: Context, gameId: string | null | undefined) {
  const { prisma, bus, config } = ctx.services;
  const id = actingGameId(ctx.principal, gameId);
  await requireGame(prisma, ctx.principal, id, "private");
  return stoppable(async function* (signal) {
    const queue = new BoundedQueue<PresenceMessage>(config.subscriptionBufferSize, {
      signal,
      onOverflow: () => closeSlowConsumer(ctx),
    });
    const stop = await bus.subscribe(Channel.presence(id), (text) => queue.push(JSON.parse(text) as PresenceMessage));
    try {
      yield* queue;
    } finally {
      await stop();
    }
  });
}

@Resolver(() => PresenceChange)
export class PresenceSubscriptionResolver {
  @Authorized()
  @Subscription(() => PresenceChange, {
    description:
      "Players of a game coming online and going offline, live. For who is online now, query players(online: true) after subscribing.",
    subscribe: ({ args, context }) => subscribePresence(context as Context, (args as { gameId?: string }).gameId),
  })
  presence(
    @Root() m: PresenceMessage,
    @Arg("gameId", () => ID, { nullable: true }) _gameId: string | null,
    @Ctx() _ctx: Context,
  ): PresenceChange {
    return { ...m, cause: m.cause as PresenceCause, at: new Date(m.at) };
  }
}
