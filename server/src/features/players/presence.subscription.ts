import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription } from "type-graphql";
import { actingGameId, requireGame } from "../../platform/auth/access.ts";
import { subscriptionQueue, type Context } from "../../platform/graphql/context.ts";
import { channels, type PresenceMessage } from "../../platform/realtime/channels.ts";
import { liveStream } from "../../platform/realtime/live-stream.ts";
import { PresenceChange } from "./presence-change.type.ts";

async function subscribePresence(ctx: Context, gameId: string | null | undefined) {
  const { prisma, channels: bus } = ctx.services;
  const id = actingGameId(ctx.principal, gameId);
  await requireGame(prisma, ctx.principal, id, "private");
  return liveStream<PresenceMessage>((push) => bus.subscribe(channels.presence(id), push), subscriptionQueue(ctx));
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
    return m;
  }
}
