import type { ChannelBus } from "../bus/channel-bus.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { channels, gameCard, type GameCard, type GameChangeMessage } from "./channels.ts";

export interface GameChangesOptions {
  prisma: PrismaClient;
  channels: ChannelBus;
  logger: Logger;
  metrics: Metrics;
  /** GAME_STALE_SECONDS: a game whose heartbeats stopped this long ago is stale. */
  staleSeconds: number;
}

/**
 * Changes to games, for the `games` subscription, on every node: each change goes out on the
 * `games` channel with the game as the change left it (its card: never its key or the key's
 * hash), and its `version` (raised by a trigger in the changing statement) orders the changes
 * to one game wherever they were made. Also the health chore the tick leader runs, which
 * reports the games whose heartbeats stopped.
 */
export class GameChanges {
  constructor(private readonly o: GameChangesOptions) {}

  /**
   * Tells every node's watchers that `game` changed (`kind`). Best-effort, after the commit: the
   * change stands when the bus fails, and a watcher that missed it has it in its next snapshot.
   */
  async publish(kind: GameChangeMessage["kind"], game: GameCard): Promise<void> {
    try {
      await this.o.channels.publish(channels.games, { kind, game: gameCard(game), at: new Date() });
    } catch (err) {
      this.o.logger.warn({ err, gameId: game.id, kind }, "games: a change was not published");
    }
  }

  /**
   * The health chore (the tick leader, every 10 s): marks stale the games that sent heartbeats
   * and none for GAME_STALE_SECONDS, in one statement that takes only those not marked yet (so
   * each transition is reported once, whichever node leads), and reports STALE for each; then
   * counts the active stale games in `multiverse_games_stale`. A game's next heartbeat clears
   * the mark and reports HEALTHY (`heartbeat`, features/games).
   */
  async sweep(now = new Date()): Promise<void> {
    const { prisma, metrics, staleSeconds } = this.o;
    const since = new Date(now.getTime() - staleSeconds * 1000);
    const marked = await prisma.game.updateManyAndReturn({
      where: { staleSince: null, lastHeartbeatAt: { lt: since } },
      data: { staleSince: now },
    });
    for (const game of marked) await this.publish("STALE", game);
    metrics.staleGames.set(await prisma.game.count({ where: { status: "ACTIVE", lastHeartbeatAt: { lt: since } } }));
  }
}
