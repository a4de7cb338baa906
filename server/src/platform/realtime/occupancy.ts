import type { Bus } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { PrismaClient, Tx } from "../db/client.ts";
import type { Player } from "../../generated/prisma/client.ts";
import { channels, type Occupant, type OccupantChange, type RoomMessage } from "./channels.ts";
import { onlinePlayers } from "./online-set.ts";

/** A room's occupants: those of `players` who are `online`, marked so. */
function occupantsOf(players: Player[], online: Set<string>): Occupant[] {
  return players.filter((p) => online.has(p.id)).map((p) => ({ ...p, online: true as const }));
}

const inRoom = (tx: Tx, roomId: string) => tx.player.findMany({ where: { roomId }, orderBy: { displayName: "asc" } });

/**
 * Room occupancy, in one place: a room's occupants are its online players, and its version rises
 * with every change of them. Reads the snapshot, raises versions, and publishes each change
 * (with the full list) on the room's channel, which the roomOccupants subscription follows.
 */
export class RoomOccupancy {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly bus: Bus,
    private readonly channels: ChannelBus,
  ) {}

  /** The room's occupants and the version that describes exactly them (one snapshot). */
  async snapshot(roomId: string, gameId: string): Promise<RoomMessage> {
    const { version, players } = await this.prisma.$transaction(
      async (tx) => {
        const r = await tx.room.findUniqueOrThrow({ where: { id: roomId }, select: { version: true } });
        return { version: r.version, players: await inRoom(tx, roomId) };
      },
      { isolationLevel: "RepeatableRead" },
    );
    const online = await onlinePlayers(this.bus, gameId);
    return { roomId, version, occupants: occupantsOf(players, online), change: null };
  }

  /** Raises the versions of `roomIds` inside the caller's transaction (a move changes two rooms). */
  async bump(tx: Tx, roomIds: string[]): Promise<{ id: string; version: bigint }[]> {
    if (roomIds.length === 0) return [];
    return tx.$queryRaw<{ id: string; version: bigint }[]>`
      UPDATE rooms SET version = version + 1 WHERE id = ANY(${roomIds}::uuid[]) RETURNING id::text, version`;
  }

  /**
   * Publishes room `roomId`'s online occupants with `change`. With `bump`, first raises the
   * room's version (one statement); otherwise `version` must be the one the caller committed.
   */
  async publish(
    roomId: string,
    change: OccupantChange | null,
    at: { bump: true } | { version: bigint },
  ): Promise<void> {
    const read = await this.prisma.$transaction(
      async (tx) => {
        const version = "bump" in at ? (await this.bump(tx, [roomId]))[0]?.version : at.version;
        return version === undefined ? undefined : { version, players: await inRoom(tx, roomId) };
      },
      // Read committed on purpose: the UPDATE's row lock already orders changes to this room
      // (moves take it too), and repeatable read would fail concurrent bumps with 40001.
      { isolationLevel: "ReadCommitted" },
    );
    if (!read) return; // the room is gone
    const gameId = read.players[0]?.gameId;
    const online = gameId ? await onlinePlayers(this.bus, gameId) : new Set<string>();
    await this.channels.publish(channels.room(roomId), {
      roomId,
      version: read.version,
      occupants: occupantsOf(read.players, online),
      change,
    });
  }
}
