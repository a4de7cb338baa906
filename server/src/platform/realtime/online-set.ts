import type { Bus } from "../bus/bus.ts";
import { TimedSet } from "./bus-names.ts";

/** The holder of a game server's heartbeat entries (a node holds its own entries under its id). */
export const HEARTBEAT = "heartbeat";

/** A timed-set member: the player, held online by `holder`. */
export const onlineMember = (playerId: string, holder: string): string => `${playerId}|${holder}`;

const playerOf = (member: string): string => member.slice(0, member.indexOf("|"));

/** The players of `members`, each once. */
export const playersOf = (members: string[]): Set<string> => new Set(members.map(playerOf));

/** The online players of a game: those with a live entry from any holder. */
export async function onlinePlayers(bus: Bus, gameId: string, now = Date.now()): Promise<Set<string>> {
  return playersOf(await bus.alive(TimedSet.online(gameId), now));
}

/**
 * Which of `playerIds` (players of one game) are online: one round trip that answers only their
 * entries, not the whole set (Redis still reads the game's live entries, but sends none else).
 */
export async function onlineAmong(
  bus: Bus,
  gameId: string,
  playerIds: Iterable<string>,
  now = Date.now(),
): Promise<Set<string>> {
  const prefixes = [...new Set(playerIds)].map((id) => onlineMember(id, ""));
  if (prefixes.length === 0) return new Set();
  return playersOf(await bus.aliveWithPrefixes(TimedSet.online(gameId), prefixes, now));
}

/** How many players are online in every game together. */
export async function countOnline(bus: Bus, now = Date.now()): Promise<number> {
  let online = 0;
  for (const set of await bus.timedSets(TimedSet.onlinePrefix)) online += playersOf(await bus.alive(set, now)).size;
  return online;
}
