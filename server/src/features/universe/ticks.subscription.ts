import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription } from "type-graphql";
import { requireGame } from "../../platform/auth/access.ts";
import { subscriptionQueue, type Context } from "../../platform/graphql/context.ts";
import type { TickMessage } from "../../platform/realtime/channels.ts";
import { liveStream } from "../../platform/realtime/live-stream.ts";
import { Tick } from "./tick.type.ts";

/**
 * Ticks as they happen: every control tick, or with `gameId` only that game's local ticks. A
 * game or player defaults to its own game.
 */
async function subscribeTicks(ctx: Context, gameId: string | null | undefined): Promise<AsyncIterable<TickMessage>> {
  const p = ctx.principal;
  const game = gameId ?? (p.kind === "game" || p.kind === "player" ? p.gameId : null);
  if (game) await requireGame(ctx.services.prisma, p, game, "directory");
  const { ticks } = ctx.services.realtime;
  return liveStream<TickMessage>(
    (push) => (game ? ticks.listenGame(game, push) : ticks.listen(push)),
    subscriptionQueue(ctx),
  );
}

@Resolver(() => Tick)
export class TicksSubscriptionResolver {
  @Authorized()
  @Subscription(() => Tick, {
    description: "Control ticks as they happen; with gameId (the default for games and players), that game's ticks.",
    subscribe: ({ args, context }) => subscribeTicks(context as Context, (args as { gameId?: string | null }).gameId),
  })
  ticks(
    @Root() t: TickMessage,
    @Arg("gameId", () => ID, { nullable: true }) _gameId: string | null,
    @Ctx() _ctx: Context,
  ): Tick {
    return {
      number: BigInt(t.number),
      startedAt: new Date(t.startedAt),
      durationMs: t.durationMs,
      gamesSynced: t.gamesSynced,
      eventsPropagated: t.eventsPropagated,
      waitedMs: t.waitedMs,
      lateGameIds: t.lateGameIds,
    };
  }
}
