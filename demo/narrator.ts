// The narrator: the admin's `events` subscription (the admin sees every event), printed as it
// arrives, one line per event, in the log's order.
import type { MultiverseEvent } from "@multiverse/sdk";
import { failed, line, textOf, type Print } from "./output.ts";
import type { DemoWorld } from "./setup.ts";
import type { Tally } from "./tally.ts";

/** A realm selector as text: `{ resonance: sylvan }`. */
function selector(realm: NonNullable<MultiverseEvent["targetRealm"]>): string {
  const parts = Object.entries(realm).filter(([, v]) => v !== null);
  return `{ ${parts.map(([k, v]) => `${k}: ${v}`).join(", ")} }`;
}

/** One event as a line of conversation, a whisper, a command, or news between games. */
export function describe(world: DemoWorld, e: MultiverseEvent): string {
  const game = e.sourceGameId ?? "multiverse";
  const text = textOf(e.data);
  const player = e.sourcePlayerId ? world.playerName(e.sourcePlayerId) : undefined;
  if (e.targetRoomId) {
    const room = world.roomName(e.targetRoomId);
    return line(game, player ? `[${room}] ${player}: ${text}` : `[${room}] (${e.type}) ${text}`);
  }
  if (e.targetPlayerId) {
    const to = world.playerName(e.targetPlayerId);
    return line(game, player ? `${player} whispers to ${to}: ${text}` : `(${e.type}) to ${to}: ${text}`);
  }
  if (player) return line(game, `${player} sends ${e.type} to the game's server`);
  const to = e.broadcast
    ? "every game"
    : [e.targetGameId && `game ${e.targetGameId}`, e.targetRealm && `realms ${selector(e.targetRealm)}`]
        .filter(Boolean)
        .join(" in ");
  const reached = e.broadcast ? "" : ` (reached ${e.recipientGameIds.join(", ") || "no game"})`;
  return line(game, `→ ${to}${reached}: ${e.type}: ${text}`);
}

/** Prints every event from now on until `signal` aborts; resolves once it is subscribed, with its loop. */
export async function narrate(
  world: DemoWorld,
  print: Print,
  tally: Tally,
  signal: AbortSignal,
): Promise<{ done: Promise<void> }> {
  const events = world.admin.events(undefined, { signal });
  const done = (async () => {
    for await (const e of events) print(describe(world, e));
  })().catch((err: unknown) => failed(tally, "multiverse", "narrator", err));
  await events.ready;
  return { done };
}
