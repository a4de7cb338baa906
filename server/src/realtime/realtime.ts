import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Bus } from "../bus/bus.ts";
import type { Config } from "../config/env.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { CredentialWatch } from "./credential-watch.ts";
import { EventFeed } from "./event-feed.ts";
import { Presence } from "./presence.ts";
import { TickHub } from "./tick-hub.ts";
import { TickLeader } from "./tick-leader.ts";
import { pruneEvents } from "./retention.ts";
import { TimedSet } from "./topics.ts";

export interface RealtimeDeps {
  config: Config;
  prisma: PrismaClient;
  bus: Bus;
  logger: Logger;
  metrics: Metrics;
}

/**
 * A node's realtime core: the ordered event feed, the ticks it hears, the tick it may lead, and
 * its entry in the node registry. Knows nothing of HTTP or WebSockets.
 */
export class Realtime {
  #heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    private readonly deps: RealtimeDeps,
    /** This node's name in the registry and in the tick lease. */
    readonly nodeId: string,
    readonly feed: EventFeed,
    readonly ticks: TickHub,
    readonly leader: TickLeader | undefined,
    readonly presence: Presence,
    readonly credentials: CredentialWatch,
  ) {}

  static async start(deps: RealtimeDeps): Promise<Realtime> {
    const { config, prisma, bus, logger, metrics } = deps;
    const feed = await EventFeed.start(bus, prisma, logger);
    const ticks = await TickHub.start(bus);
    // Each tick says where the log ends: a node that missed the last events fetches them.
    ticks.listen((t) => {
      metrics.currentTick.set(Number(t.number));
      feed.catchUp(BigInt(t.lastSeq));
    });
    const nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    const presence = new Presence({ bus, prisma, logger, nodeId, ttlMs: config.presenceTtlSeconds * 1000 });
    const leader =
      config.tickHz > 0
        ? new TickLeader({
            prisma,
            bus,
            logger,
            metrics,
            nodeId,
            hz: config.tickHz,
            leaseMs: config.tickLeaseMs,
            chores: [
              { everyMs: 1000, run: () => presence.sweep() },
              { everyMs: 10_000, run: () => bus.sweep(TimedSet.nodes, Date.now()) },
              { everyMs: 60_000, run: () => pruneEvents(prisma, config.eventRetentionHours) },
            ],
          })
        : undefined;
    const credentials = await CredentialWatch.start(bus, logger);
    const rt = new Realtime(deps, nodeId, feed, ticks, leader, presence, credentials);
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
    await this.leader?.stop();
    await this.presence.stop();
    await this.deps.bus.untouch(TimedSet.nodes, [this.nodeId]).catch(() => undefined);
    await this.ticks.stop();
    await this.feed.stop();
    await this.credentials.stop();
  }
}
