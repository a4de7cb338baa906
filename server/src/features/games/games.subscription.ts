import { Authorized, Ctx, Resolver, Root, Subscription } from "type-graphql";
import { Role, type Principal } from "../../platform/auth/principal.ts";
import { subscriptionQueue, type Context } from "../../platform/graphql/context.ts";
import { channels, type GameChangeMessage } from "../../platform/realtime/channels.ts";
import { liveStream } from "../../platform/realtime/live-stream.ts";
import { GameChange } from "./game-change.type.ts";

/** Whose games `p` watches: the admin every game, a developer its own (by its id, whatever their status). */
function watchedBy(p: Principal): (game: { developerId: string | null }) => boolean {
  return (game) => p.kind === "admin" || (p.kind === "developer" && game.developerId === p.developerId);
}

/**
 * The SNAPSHOT, then one message per change to a game the caller watches. It listens before it
 * reads the snapshot, so no change falls in between; a change whose version is not above the
 * one already sent for that game is dropped (it is in the snapshot, or messages from several
 * nodes crossed), so on one subscription a game's versions strictly increase.
 */
function subscribeGames(ctx: Context): AsyncIterable<GameChange> {
  const { prisma, channels: bus } = ctx.services;
  const p = ctx.principal;
  const watches = watchedBy(p);
  return liveStream<GameChangeMessage, GameChange>(
    (push) =>
      bus.subscribe(channels.games, (m) => {
        if (watches(m.game)) push(m);
      }),
    subscriptionQueue(ctx),
    async function* (live) {
      const at = new Date();
      const games = await prisma.game.findMany({
        where: p.kind === "developer" ? { developerId: p.developerId } : {},
        orderBy: { id: "asc" },
      });
      const sent = new Map(games.map((g) => [g.id, g.version]));
      yield { kind: "SNAPSHOT", game: null, games, at };
      for await (const m of live) {
        const version = sent.get(m.game.id);
        if (version !== undefined && m.game.version <= version) continue;
        sent.set(m.game.id, m.game.version);
        yield { kind: m.kind, game: m.game, games: null, at: m.at };
      }
    },
  );
}

@Resolver(() => GameChange)
export class GamesSubscriptionResolver {
  @Authorized(Role.Admin, Role.Developer)
  @Subscription(() => GameChange, {
    description:
      "Games as they change, for a console that keeps a list: first the SNAPSHOT (every game you may watch: the admin all, a developer its own), then one message per registration, update, status change, key rotation (never the key), health change (STALE, HEALTHY) and unregistration.",
    subscribe: ({ context }) => subscribeGames(context as Context),
  })
  games(@Root() change: GameChange, @Ctx() _ctx: Context): GameChange {
    return change;
  }
}
