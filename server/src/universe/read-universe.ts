import type { Services } from "../services.ts";
import { TimedSet } from "../realtime/topics.ts";
import type { Universe } from "./universe.type.ts";

/** The multiverse at a glance: counts from Postgres, presence and nodes from the bus, the last tick. */
export async function readUniverse(services: Services): Promise<Universe> {
  const { prisma, bus, realtime } = services;
  const registered = { status: { not: "UNREGISTERED" as const } };
  const now = Date.now();
  const [games, realms, rooms, players, pendingEvents, state, live] = await Promise.all([
    prisma.game.count({ where: registered }),
    prisma.realm.count({ where: { game: registered } }),
    prisma.room.count({ where: { realm: { game: registered } } }),
    prisma.player.count({ where: { game: registered } }),
    prisma.event.count({ where: { status: "PENDING" } }),
    prisma.universeState.findUniqueOrThrow({ where: { id: 1 } }),
    // Presence and nodes live on the bus: while it does not answer, the rest still does.
    (async () => {
      const nodes = await realtime.nodes();
      let online = 0;
      for (const set of await bus.timedSets(TimedSet.onlinePrefix)) {
        online += new Set((await bus.alive(set, now)).map((m) => m.slice(0, m.indexOf("|")))).size;
      }
      return { nodes, online };
    })().catch(() => ({ nodes: [], online: null })),
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
