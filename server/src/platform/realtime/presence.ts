import type { Bus } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Logger } from "../observability/logger.ts";
import { TimedSet } from "./bus-names.ts";
import { channels, type PresenceCause } from "./channels.ts";
import type { RoomOccupancy } from "./occupancy.ts";
import { HEARTBEAT, onlineMember as member, onlinePlayers, playersOf } from "./online-set.ts";

export interface PresenceOptions {
  bus: Bus;
  channels: ChannelBus;
  prisma: PrismaClient;
  logger: Logger;
  occupancy: RoomOccupancy;
  nodeId: string;
  /** How long an entry lives without renewal (a crashed node's players go offline after it). */
  ttlMs: number;
}

/**
 * Who is online, across nodes. A player is online while any holder has a live entry in its
 * game's timed set: a node with an open connection holding the player's token (renewed every
 * ttl/3), or its game server's heartbeat (renewed by each heartbeat). Going online or offline
 * bumps the version of the player's room and publishes the room's occupants and the presence
 * change; a dead node's entries expire and the tick leader's sweep publishes those changes.
 */
export class Presence {
  /** Open connections on this node per player: `gameId|playerId` -> count. */
  readonly #local = new Map<string, number>();
  /** Releases under way (a connection closed): stop() waits for them. */
  readonly #releasing = new Set<Promise<void>>();
  #stopped = false;
  #refresh: NodeJS.Timeout | undefined;

  constructor(private readonly o: PresenceOptions) {}

  start(): void {
    this.#refresh = setInterval(() => void this.#renew(), this.o.ttlMs / 3);
    this.#refresh.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#refresh);
    // Leaving gracefully: our players go offline now rather than at expiry. The releases of
    // connections that just closed (the server closes them all first) are waited for too: the
    // bus and the database close after this, and a release cut short would leave the room's
    // watchers without the LEFT change.
    const held = [...this.#local.keys()];
    this.#local.clear();
    await Promise.allSettled([
      ...this.#releasing,
      ...held.map((k) => {
        const [gameId, playerId] = k.split("|") as [string, string];
        return this.#release(gameId, playerId, this.o.nodeId, "DISCONNECTED");
      }),
    ]);
  }

  /** The online players of a game. */
  online(gameId: string): Promise<Set<string>> {
    return onlinePlayers(this.o.bus, gameId);
  }

  /** A connection holding the player's token opened on this node. */
  async connected(gameId: string, playerId: string): Promise<void> {
    const key = `${gameId}|${playerId}`;
    const n = (this.#local.get(key) ?? 0) + 1;
    this.#local.set(key, n);
    if (n === 1) await this.#hold(gameId, [playerId], this.o.nodeId);
  }

  /** A connection holding the player's token closed on this node. */
  async disconnected(gameId: string, playerId: string): Promise<void> {
    if (this.#stopped) return; // stop() released everything this node held
    const key = `${gameId}|${playerId}`;
    const n = (this.#local.get(key) ?? 1) - 1;
    if (n > 0) {
      this.#local.set(key, n);
      return;
    }
    this.#local.delete(key);
    const release = this.#release(gameId, playerId, this.o.nodeId, "DISCONNECTED");
    this.#releasing.add(release);
    try {
      await release;
    } finally {
      this.#releasing.delete(release);
    }
  }

  /** The game server vouches for these players (`heartbeat(playerIds)`). */
  async heartbeat(gameId: string, playerIds: string[]): Promise<void> {
    await this.#hold(gameId, playerIds, HEARTBEAT);
  }

  /** Removes expired entries of every game and publishes who went offline (the tick leader calls it). */
  async sweep(): Promise<number> {
    const { bus } = this.o;
    const now = Date.now();
    let gone = 0;
    for (const set of await bus.timedSets(TimedSet.onlinePrefix)) {
      const gameId = set.slice(TimedSet.onlinePrefix.length);
      const expired = await bus.sweep(set, now);
      if (expired.length === 0) continue;
      // One read per game: an expired entry's player may still be held by another holder.
      const online = await this.online(gameId);
      for (const playerId of playersOf(expired)) {
        if (online.has(playerId)) continue;
        gone++;
        await this.#changed(gameId, playerId, false, "EXPIRED");
      }
    }
    return gone;
  }

  /** Whether any holder has a live entry for the player: its own entries, not the whole set. */
  async #isOnline(gameId: string, playerId: string): Promise<boolean> {
    return (await this.o.bus.aliveWithPrefix(TimedSet.online(gameId), member(playerId, ""), Date.now())).length > 0;
  }

  /**
   * `holder` holds these players online: one read of who is online and one write for the whole
   * list, however long, then a CONNECTED change for each who was not online, in list order. A
   * single player (a connection opening) reads only its own entries: a game with 10,000 online
   * players must not read all of them for each one that connects.
   */
  async #hold(gameId: string, playerIds: string[], holder: string): Promise<void> {
    if (playerIds.length === 0) return;
    const [only] = playerIds;
    const was =
      playerIds.length === 1 && only !== undefined
        ? new Set((await this.#isOnline(gameId, only)) ? [only] : [])
        : await this.online(gameId);
    const members = playerIds.map((playerId) => member(playerId, holder));
    await this.o.bus.touch(TimedSet.online(gameId), members, Date.now() + this.o.ttlMs);
    for (const playerId of playerIds) if (!was.has(playerId)) await this.#changed(gameId, playerId, true, "CONNECTED");
  }

  async #release(gameId: string, playerId: string, holder: string, cause: PresenceCause): Promise<void> {
    await this.o.bus.untouch(TimedSet.online(gameId), [member(playerId, holder)]);
    if (!(await this.#isOnline(gameId, playerId))) await this.#changed(gameId, playerId, false, cause);
  }

  async #renew(): Promise<void> {
    const byGame = new Map<string, string[]>();
    for (const key of this.#local.keys()) {
      const [gameId, playerId] = key.split("|") as [string, string];
      byGame.set(gameId, [...(byGame.get(gameId) ?? []), member(playerId, this.o.nodeId)]);
    }
    const until = Date.now() + this.o.ttlMs;
    for (const [gameId, members] of byGame) {
      await this.o.bus
        .touch(TimedSet.online(gameId), members, until)
        .catch((err: unknown) => this.o.logger.warn({ err }, "presence: renewal failed"));
    }
  }

  /** Publishes a presence change and, if the player is in a room, the room's new occupants. */
  async #changed(gameId: string, playerId: string, online: boolean, cause: PresenceCause): Promise<void> {
    const { prisma, occupancy } = this.o;
    await this.o.channels.publish(channels.presence(gameId), { gameId, playerId, online, cause, at: new Date() });
    const player = await prisma.player.findUnique({ where: { id: playerId }, select: { roomId: true } });
    if (player?.roomId) {
      await occupancy.publish(player.roomId, { kind: online ? "JOINED" : "LEFT", playerId, cause });
    }
  }
}
