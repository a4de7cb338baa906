import type { Bus } from "../bus/bus.ts";
import type { ChannelBus } from "../bus/channel-bus.ts";
import type { PrismaClient, Tx } from "../db/client.ts";
import { notFound } from "../errors/errors.ts";
import type { Player } from "../../generated/prisma/client.ts";
import {
  channels,
  type Occupant,
  type OccupantChange,
  type OccupantChangeKind,
  type PlayerMoved,
  type RoomMessage,
} from "./channels.ts";
import { GroupCommit, type Outcome } from "./group-commit.ts";
import { onlineAmong } from "./online-set.ts";

/** A room's occupants: those of `players` who are `online`, marked so. */
function occupantsOf(players: Player[], online: Set<string>): Occupant[] {
  return players.filter((p) => online.has(p.id)).map((p) => ({ ...p, online: true as const }));
}

const inRoom = (tx: Tx, roomId: string) => tx.player.findMany({ where: { roomId }, orderBy: { displayName: "asc" } });

/** A move: player `playerId` of game `gameId` into room `roomId` of that game, or out of every room (null). */
export interface Move {
  playerId: string;
  gameId: string;
  roomId: string | null;
}

/** A committed move: the player as the move left it, and the rooms' changes being published. */
export interface Moved {
  player: Player;
  /** Settles once the rooms' watchers were told (after the commit); rejects when they could not be. */
  published: Promise<void>;
}

/** A row of `move_players` (the migration `20261203000100_move_players` says what each kind is). */
interface MoveRow {
  step: number | null;
  outcome: "moved" | "player_not_found" | "room_not_found" | null;
  from_room: string | null;
  from_version: bigint | null;
  to_version: bigint | null;
  id: string | null;
  game_id: string;
  external_id: string;
  display_name: string;
  room_id: string | null;
  last_seen_at: Date | null;
  created_at: Date;
}

const playerOf = (r: MoveRow): Player => ({
  id: r.id!,
  gameId: r.game_id,
  externalId: r.external_id,
  displayName: r.display_name,
  roomId: r.room_id,
  lastSeenAt: r.last_seen_at,
  createdAt: r.created_at,
});

/** One room's change as a move committed it: its players then (online or not), in occupant order. */
interface Change {
  roomId: string;
  version: bigint;
  gameId: string;
  players: Player[];
  kind: OccupantChangeKind;
  playerId: string;
}

/** Most moves one statement takes (a busier node makes several). */
const MAX_BATCH_MOVES = 256;

/**
 * Room occupancy, in one place: a room's occupants are its online players, and its version rises
 * with every change of them. Reads the snapshot, moves players (raising the versions of the rooms
 * they leave and enter), and publishes each change (with the full list) on the room's channel,
 * which the roomOccupants subscription follows.
 */
export class RoomOccupancy {
  /** Concurrent moves share one statement (`move_players`), like the event log's publishes. */
  readonly #moves = new GroupCommit<Move, Moved>({ flush: (moves) => this.#flush(moves), maxWeight: MAX_BATCH_MOVES });
  /** The last batch's turn to publish: batches publish in commit order, each once its online read is in. */
  #turn: Promise<unknown> = Promise.resolve();

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
    const online = await onlineAmong(
      this.bus,
      gameId,
      players.map((p) => p.id),
    );
    return { roomId, version, occupants: occupantsOf(players, online), change: null };
  }

  /**
   * Moves a player: commits the move, raising the version of the room it leaves and of the room
   * it enters (neither when it stays), then publishes each room's new occupants with the version
   * the move gave it. Concurrent moves are committed together, in one statement that locks the
   * movers and their rooms for the time Postgres takes (never across a round trip), and that
   * reads each room's players once, after taking its lock: each change's list is worked out from
   * those and the moves before it, so every message describes its room exactly at its version,
   * with no read after the commit. The answer comes once the move is committed; `published`
   * settles once its changes were published (best-effort: the move stands if they were not).
   * NOT_FOUND when the player or the room is not (or no longer) one of game `gameId`.
   */
  move(m: Move): Promise<Moved> {
    return this.#moves.submit(m);
  }

  /**
   * Publishes room `roomId`'s online occupants with `change` (a player in the room came online
   * or went offline), raising its version first (one statement).
   */
  async publish(roomId: string, change: OccupantChange | null): Promise<void> {
    const read = await this.prisma.$transaction(
      async (tx) => {
        const [bumped] = await tx.$queryRaw<{ version: bigint }[]>`
          UPDATE rooms SET version = version + 1 WHERE id = ${roomId}::uuid RETURNING version`;
        return bumped === undefined ? undefined : { version: bumped.version, players: await inRoom(tx, roomId) };
      },
      // Read committed on purpose: the UPDATE's row lock already orders changes to this room
      // (moves take it too), and repeatable read would fail concurrent bumps with 40001.
      { isolationLevel: "ReadCommitted" },
    );
    if (!read) return; // the room is gone
    const gameId = read.players[0]?.gameId;
    const online = gameId
      ? await onlineAmong(
          this.bus,
          gameId,
          read.players.map((p) => p.id),
        )
      : new Set<string>();
    await this.channels.publish(channels.room(roomId), {
      roomId,
      version: read.version,
      occupants: occupantsOf(read.players, online),
      change,
    });
  }

  /** Commits one batch of moves (one statement), then hands its changes to the publisher. */
  async #flush(moves: Move[]): Promise<Outcome<Moved>[]> {
    const rows = await this.prisma.$queryRaw<MoveRow[]>`
      SELECT step, outcome, from_room::text, from_version, to_version, id::text, game_id, external_id,
             display_name, room_id::text, last_seen_at, created_at
        FROM move_players(${moves.map((m) => m.playerId)}::uuid[], ${moves.map((m) => m.gameId)}::text[],
                          ${moves.map((m) => m.roomId)}::uuid[], ${new Date()}::timestamptz)`;
    // The players of the rooms as they were before the batch's first move, in occupant order;
    // then each move in turn changes where its player is, and its row.
    const players = rows.filter((r) => r.step === null).map(playerOf);
    const at = new Map(players.map((p, i) => [p.id, i]));
    const listOf = (roomId: string) => players.filter((p) => p.roomId === roomId);
    const answers: ({ player: Player } | { error: unknown })[] = [];
    const changes: Change[][] = [];
    const moved: PlayerMoved[][] = [];
    for (const r of rows) {
      if (r.step === null) continue;
      const i = r.step - 1;
      const m = moves[i]!;
      changes[i] = [];
      moved[i] = [];
      if (r.outcome !== "moved") {
        answers[i] = {
          error: r.outcome === "room_not_found" ? notFound("Room", m.roomId ?? "") : notFound("Player", m.playerId),
        };
        continue;
      }
      const player = playerOf(r);
      players[at.get(player.id)!] = player;
      answers[i] = { player };
      const change = (roomId: string, version: bigint, kind: OccupantChangeKind) =>
        changes[i]!.push({
          roomId,
          version,
          gameId: player.gameId,
          players: listOf(roomId),
          kind,
          playerId: player.id,
        });
      if (r.from_room !== null && r.from_version !== null) change(r.from_room, r.from_version, "LEFT");
      if (player.roomId !== null && r.to_version !== null) change(player.roomId, r.to_version, "JOINED");
      if (r.from_room !== player.roomId) moved[i]!.push({ playerId: player.id, roomId: player.roomId });
    }
    const published = this.#publish(changes, moved);
    return moves.map((_, i): Outcome<Moved> => {
      const a = answers[i];
      if (!a) return { ok: false, error: new Error(`move_players answered no row for move ${i + 1}`) };
      return "error" in a
        ? { ok: false, error: a.error }
        : { ok: true, value: { player: a.player, published: published[i]! } };
    });
  }

  /**
   * Publishes a batch's changes, per move: one read of who among their players is online (per
   * game), then every change in commit order. Batches take turns, so this node publishes a
   * room's changes in version order (watchers drop a message older than one they had).
   */
  #publish(changes: Change[][], moved: PlayerMoved[][]): Promise<void>[] {
    const ids = new Map<string, Set<string>>();
    for (const c of changes.flat()) {
      const game = ids.get(c.gameId) ?? new Set<string>();
      ids.set(c.gameId, game);
      game.add(c.playerId);
      for (const p of c.players) game.add(p.id);
    }
    const online = Promise.all([...ids].map(([gameId, players]) => onlineAmong(this.bus, gameId, players)));
    online.catch(() => undefined); // handled where it is awaited, after the previous batch's turn
    // Issues every publish of the batch at once, after the previous batch issued its own.
    const sent = this.#turn.then(async () => {
      const on = new Set((await online).flatMap((s) => [...s]));
      return changes.map((mine, i) =>
        Promise.all([
          ...mine.map((c) =>
            this.channels.publish(channels.room(c.roomId), {
              roomId: c.roomId,
              version: c.version,
              occupants: occupantsOf(c.players, on),
              change: on.has(c.playerId) ? { kind: c.kind, playerId: c.playerId, cause: "MOVED" } : null,
            }),
          ),
          // After its rooms' changes: a player's own stream (myRoom) reads its new room's snapshot.
          ...(moved[i] ?? []).map((m) => this.channels.publish(channels.player(m.playerId), m)),
        ]),
      );
    });
    this.#turn = sent.catch(() => undefined);
    return changes.map((mine, i) => {
      if (mine.length === 0 && (moved[i]?.length ?? 0) === 0) return Promise.resolve();
      const done = sent.then((all) => all[i]).then(() => undefined);
      done.catch(() => undefined); // the mover awaits it; a failure must never go unhandled meanwhile
      return done;
    });
  }
}
