import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Bus } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { Config } from "../config/env.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import pLimit from "p-limit";
import { TimedSet } from "./bus-names.ts";
import type { ReplayGate } from "./event-stream.ts";
import { CredentialWatch } from "./credential-watch.ts";
import { EventFeed } from "./event-feed.ts";
import { EventLog } from "./event-log.ts";
import { GameChanges } from "./game-changes.ts";
import { ChannelFanouts, Fanout } from "./fanout.ts";
import type { EventRow } from "./channels.ts";
import { RoomOccupancy } from "./occupancy.ts";
import { Presence } from "./presence.ts";
import { SharedPolls } from "./shared-polls.ts";
import { TickBarrier } from "./tick-barrier.ts";
import { TickHub } from "./tick-hub.ts";
import { TickLeader } from "./tick-leader.ts";

export interface RealtimeDeps {
  config: Config;
  prisma: PrismaClient;
  bus: Bus;
  channels: ChannelBus;
  logger: Logger;
  metrics: Metrics;
}

/**
 * A node's realtime core: the event log and this node's ordered feed of it, the ticks it hears,
 * the tick it may lead and its barrier, presence and room occupancy, the credential watch, shared
 * polls, changes to games, and its entry in the node registry. Knows nothing of HTTP, WebSockets
 * or GraphQL.
 */
export class Realtime {
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #replays: ReturnType<typeof pLimit>;
  /** This node's turn for replay reads (MAX_CONCURRENT_REPLAYS at once). */
  readonly replayGate: ReplayGate = (read) => this.#replays(read);

  private constructor(
    private readonly deps: RealtimeDeps,
    /** This node's name in the registry and in the tick lease. */
    readonly nodeId: string,
    readonly log: EventLog,
    readonly feed: EventFeed,
    /** The live `events` subscribers that have caught up: each event rendered once per group. */
    readonly eventFanout: Fanout<EventRow>,
    /** The same for subscriptions to a bus channel (a room's occupants): one fan-out per channel. */
    readonly fanouts: ChannelFanouts,
    readonly ticks: TickHub,
    readonly leader: TickLeader | undefined,
    /** Where games report the ticks they finished (completeTick), for whichever node leads. */
    readonly barrier: TickBarrier,
    readonly presence: Presence,
    readonly occupancy: RoomOccupancy,
    readonly credentials: CredentialWatch,
    readonly polls: SharedPolls,
    /** Changes to games, for the `games` subscription, and the health chore. */
    readonly gameChanges: GameChanges,
  ) {
    this.#replays = pLimit(deps.config.maxConcurrentReplays);
  }

  static async start(deps: RealtimeDeps): Promise<Realtime> {
    const { config, prisma, bus, channels, logger, metrics } = deps;
    const log = new EventLog(prisma, channels, logger, config.gameQuotas.storedEventBytes);
    const feed = await EventFeed.start(bus, channels, log, logger);
    const fanout = <T>() =>
      new Fanout<T>((err) => logger.error({ err }, "fan-out: a message was not sent"), {
        rendered: () => metrics.fanoutRenders.inc(),
        sent: (n) => metrics.fanoutSends.inc(n),
      });
    const eventFanout = fanout<EventRow>();
    feed.listen((e) => eventFanout.deliver(e));
    const fanouts = new ChannelFanouts(channels, fanout);
    metrics.fanoutSize = () => eventFanout.size + fanouts.size;
    const ticks = await TickHub.start(
      channels,
      async (ids) => {
        const games = await prisma.game.findMany({
          where: { id: { in: ids } },
          select: { id: true, status: true, tickEvery: true },
        });
        return new Map(games.map((g) => [g.id, { every: g.tickEvery, active: g.status === "ACTIVE" }]));
      },
      logger,
    );
    // Each tick says where the log ends: a node that missed the last events fetches them.
    ticks.listen((t) => {
      metrics.currentTick.set(Number(t.number));
      feed.catchUp(BigInt(t.lastSeq));
    });
    const nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    const occupancy = new RoomOccupancy(prisma, bus, channels);
    const presence = new Presence({
      bus,
      channels,
      prisma,
      logger,
      occupancy,
      nodeId,
      ttlMs: config.presenceTtlSeconds * 1000,
    });
    const barrier = await TickBarrier.start({
      bus,
      channels,
      logger,
      barrierMs: config.tickBarrierMs,
      // A tick's completions outlive the leader's last look at them: a period (less than half
      // the lease) plus the barrier's wait.
      keepMs: config.tickLeaseMs + config.tickBarrierMs,
      listen: config.tickHz > 0,
    });
    const gameChanges = new GameChanges({ prisma, channels, logger, metrics, staleSeconds: config.gameStaleSeconds });
    const leader =
      config.tickHz > 0
        ? new TickLeader({
            prisma,
            bus,
            channels,
            log,
            logger,
            metrics,
            nodeId,
            hz: config.tickHz,
            leaseMs: config.tickLeaseMs,
            heard: () => (ticks.last ? BigInt(ticks.last.number) : undefined),
            barrier,
            chores: [
              { everyMs: 1000, run: () => presence.sweep() },
              { everyMs: 10_000, run: () => bus.sweep(TimedSet.nodes, Date.now()) },
              { everyMs: 60_000, run: () => log.prune(config.eventRetentionHours) },
              // Games that sent heartbeats and stopped (Game.stale says the same per game).
              { everyMs: 10_000, run: () => gameChanges.sweep() },
            ],
          })
        : undefined;
    const credentials = await CredentialWatch.start(channels, logger, config.credentialCacheSeconds * 1000);
    const polls = new SharedPolls(logger);
    const rt = new Realtime(
      deps,
      nodeId,
      log,
      feed,
      eventFanout,
      fanouts,
      ticks,
      leader,
      barrier,
      presence,
      occupancy,
      credentials,
      polls,
      gameChanges,
    );
    presence.start();
    await rt.#announce();
    rt.#heartbeat = setInterval(() => void rt.#announce(), (config.presenceTtlSeconds * 1000) / 3);
    rt.#heartbeat.unref();
    leader?.start();
    return rt;
  }

  /** The live nodes (those that announced themselves within the presence TTL). */
  async nodes(): Promise<string[]> {
    return (await this.deps.bus.alive(TimedSet.nodes, Date.now())).sort();
  }

  async #announce(): Promise<void> {
    const { bus, config, logger } = this.deps;
    await bus
      .touch(TimedSet.nodes, [this.nodeId], Date.now() + config.presenceTtlSeconds * 1000)
      .catch((err: unknown) => logger.warn({ err }, "node registry: could not announce this node"));
  }

  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.polls.stop();
    await this.leader?.stop();
    await this.barrier.stop();
    await this.presence.stop();
    await this.deps.bus.untouch(TimedSet.nodes, [this.nodeId]).catch(() => undefined);
    await this.ticks.stop();
    await this.feed.stop();
    await this.credentials.stop();
  }
}
