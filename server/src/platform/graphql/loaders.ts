import DataLoader from "dataloader";
import type { PrismaClient } from "../db/client.ts";
import type { Game, Realm, Room } from "../../generated/prisma/client.ts";
import type { Presence } from "../realtime/presence.ts";

/**
 * Batch loaders for field resolvers: a list's items ask for their related rows one by one, and
 * each loader turns the asks made in the same tick into one query (no N+1). They batch only and
 * never cache (`cache: false`): a subscription runs every message with the same context, and a
 * cached row or online set would go stale between messages.
 */
export class Loaders {
  #game?: DataLoader<string, Game | null>;
  #realm?: DataLoader<string, Realm | null>;
  #room?: DataLoader<string, Room | null>;
  #realmsOfGame?: DataLoader<string, Realm[]>;
  #roomsOfRealm?: DataLoader<string, Room[]>;
  #onlineIn?: DataLoader<string, Set<string>>;

  /**
   * Each loader is made when first used: a subscription's context lives as long as its
   * connection, and most never use one (shared renderings, payloads without relations).
   */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly presence: Presence,
  ) {}

  get game(): DataLoader<string, Game | null> {
    return (this.#game ??= byId((ids) => this.prisma.game.findMany({ where: { id: { in: ids } } })));
  }

  get realm(): DataLoader<string, Realm | null> {
    return (this.#realm ??= byId((ids) => this.prisma.realm.findMany({ where: { id: { in: ids } } })));
  }

  get room(): DataLoader<string, Room | null> {
    return (this.#room ??= byId((ids) => this.prisma.room.findMany({ where: { id: { in: ids } } })));
  }

  /** A game's realms, by name. */
  get realmsOfGame(): DataLoader<string, Realm[]> {
    return (this.#realmsOfGame ??= grouped(
      (ids) => this.prisma.realm.findMany({ where: { gameId: { in: ids } }, orderBy: { name: "asc" } }),
      (r) => r.gameId,
    ));
  }

  /** A realm's rooms, by name. */
  get roomsOfRealm(): DataLoader<string, Room[]> {
    return (this.#roomsOfRealm ??= grouped(
      (ids) => this.prisma.room.findMany({ where: { realmId: { in: ids } }, orderBy: { name: "asc" } }),
      (r) => r.realmId,
    ));
  }

  /** The ids of a game's online players. */
  get onlineIn(): DataLoader<string, Set<string>> {
    return (this.#onlineIn ??= batch(async (gameIds) => {
      const sets = new Map(await Promise.all(gameIds.map(async (id) => [id, await this.presence.online(id)] as const)));
      return (id) => sets.get(id)!;
    }));
  }
}

/**
 * A loader whose batch function reads the distinct keys once and answers each key (duplicates
 * included) from the result.
 */
function batch<V>(read: (keys: string[]) => Promise<(key: string) => V>): DataLoader<string, V> {
  return new DataLoader<string, V>(
    async (keys) => {
      const answer = await read([...new Set(keys)]);
      return keys.map(answer);
    },
    { cache: false },
  );
}

/** Rows by their id; null for an id with no row. */
function byId<T extends { id: string }>(find: (ids: string[]) => Promise<T[]>): DataLoader<string, T | null> {
  return batch(async (ids) => {
    const rows = new Map((await find(ids)).map((r) => [r.id, r]));
    return (id) => rows.get(id) ?? null;
  });
}

/** Rows grouped by `keyOf`, in the order `find` gives them; empty for a key with none. */
function grouped<T>(find: (keys: string[]) => Promise<T[]>, keyOf: (row: T) => string): DataLoader<string, T[]> {
  return batch(async (keys) => {
    const groups = new Map<string, T[]>();
    for (const row of await find(keys)) {
      const group = groups.get(keyOf(row));
      if (group) group.push(row);
      else groups.set(keyOf(row), [row]);
    }
    return (key) => groups.get(key) ?? [];
  });
}

/** `row`, which a foreign key guarantees; its absence is a bug (an internal error, masked). */
export function present<T>(row: T | null, what: string): T {
  if (row === null) throw new Error(`The ${what} is missing`);
  return row;
}
