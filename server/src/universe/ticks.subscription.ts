import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription } from "type-graphql";
import { requireGame } from "../auth/access.ts";
import { closeSlowConsumer, type Context } from "../graphql/context.ts";
import { BoundedQueue } from "../realtime/bounded-queue.ts";
import { stoppable } from "../realtime/stoppable.ts";
import type { TickMessage } from "../realtime/tick.ts";
import { Tick } from "./tick.type.ts";

/**
 * Ticks as they happen: every control tick, or with `gameId` only that game's local ticks. A
 * game or player defaults to its own game.
 */
async function subscribeTicks(ctx: Context, gameId: string | null | undefined): Promise<AsyncIterable<TickMessage>> {
  const p = ctx.principal;
  const game = gameId ?? (p.kind === "game" || p.kind === "player" ? p.gameId : null);
  if (game) await requireGame(ctx.services.prisma, p, game, "directory");
  return stoppable(async function* (signal) {
    const queue = new BoundedQueue<TickMessage>(ctx.services.config.subscriptionBufferSize, {
      signal,
      onOverflow: () => closeSlowConsumer(ctx),
    });
    const stop = ctx.services.realtime.ticks.listen((t) => {
      if (!game || t.syncedGameIds.includes(game)) queue.push(t);
    });
    try {
      yield* queue;
    } finally {
      stop();
    }
  });
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
    };
  }
}
