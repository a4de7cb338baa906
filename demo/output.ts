// How the demo prints as it goes: one line per thing that happened, under its game's name.
import type { Tally } from "./tally.ts";

/** Writes one line (or nothing, with --quiet). */
export type Print = (line: string) => void;

/** The widest game id in the demo, so lines line up. */
const GAME_WIDTH = 11;

/** `12:04:31  tavern       text`: the time, the game the line is about, and what happened. */
export function line(gameId: string, text: string): string {
  return `${new Date().toISOString().slice(11, 19)}  ${gameId.padEnd(GAME_WIDTH)}  ${text}`;
}

/** The text an event carries in `data.text`, or its data as JSON when it has none. */
export function textOf(data: unknown): string {
  const text = (data as { text?: unknown } | null)?.text;
  return typeof text === "string" ? text : JSON.stringify(data);
}

/** Counts a failed call of `who` (a bot or a game server) and says what it was, even with --quiet. */
export function failed(tally: Tally, gameId: string, who: string, err: unknown): void {
  tally.failures++;
  process.stderr.write(`${line(gameId, `! ${who}: ${err instanceof Error ? err.message : String(err)}`)}\n`);
}
