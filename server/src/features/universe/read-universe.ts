import type { Services } from "../../platform/services.ts";
import { countOnline } from "../../platform/realtime/online-set.ts";
import type { Universe } from "./universe.type.ts";

/** The multiverse at a glance: counts from Postgres, presence and nodes from the bus, the last tick. */
export async function readUniverse(services: Services): Promise<Universe> {
  const { prisma, bus, realtime } = services;
  const registered = { status: { not: "UNREGISTERED" as const } };
  const [games, realms, rooms, players, pendingEvents, state, live] = await Promise.all([
    prisma.game.count({ where: registered }),
    prisma.realm.count({ where: { game: registered } }),
    prisma.room.count({ where: { realm: { game: registered } } }),
    prisma.player.count({ where: { game: registered } }),
    prisma.event.count({ where: { status: "PENDING" } }),
    realtime.log.head(),
    // Presence and nodes live on the bus: while it does not answer, the rest still does.
    Promise.all([realtime.nodes(), countOnline(bus)]).then(
      ([nodes, online]) => ({ nodes, online }),
      () => ({ nodes: [], online: null }),
    ),
  ]);
  const tick = realtime.ticks.last;
  return {
    games,
    realms,
    rooms,
    players,
    playersOnline: live.online,
    pendingEvents,
    events: state.lastSeq,
    currentTick: state.currentTick,
    tickAt: state.tickAt,
    lastTickDurationMs: tick?.durationMs ?? null,
    nodes: live.nodes,
  };
}
