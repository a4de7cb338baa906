import { actingGameId, checkGame } from "../../platform/auth/access.ts";
import type { Principal } from "../../platform/auth/principal.ts";
import { badInput } from "../../platform/errors/errors.ts";
import type { Services } from "../../platform/services.ts";

/**
 * The calling game finished tick `number` (the tick barrier, docs/realtime.md): recorded where
 * every node sees it, so the tick leader, wherever it runs, may start the next tick without
 * waiting any longer for this game. Refused, with nothing recorded, when the game did not opt
 * in (`tickBarrier`), is paused, or `number` is not its tick that is current now: the tick
 * number and the game are read together, from Postgres, which every leader writes first.
 */
export async function completeTick(services: Services, principal: Principal, number: bigint): Promise<boolean> {
  const gameId = actingGameId(principal, null);
  const [game, head] = await Promise.all([
    services.prisma.game.findUnique({
      where: { id: gameId },
      select: { id: true, developerId: true, status: true, tickBarrier: true, tickEvery: true },
    }),
    services.realtime.log.head(),
  ]);
  checkGame(principal, game, "manage", { what: "Game", id: gameId });
  if (!game.tickBarrier) {
    throw badInput(
      `Game "${gameId}" has not opted into the tick barrier: updateGame(input: { tickBarrier: true }) first`,
    );
  }
  if (game.status !== "ACTIVE") throw badInput(`Game "${gameId}" is paused: the tick waits for no paused game`);
  const current = head.currentTick;
  if (number !== current) {
    const why = number < current ? "is over" : "has not started";
    throw badInput(`number must be the current tick, ${current}: tick ${number} ${why}`, "number");
  }
  if (number % BigInt(game.tickEvery) !== 0n) {
    throw badInput(
      `number must be a tick of game "${gameId}" (a multiple of its tickEvery, ${game.tickEvery}): tick ${number} is not`,
      "number",
    );
  }
  await services.realtime.barrier.complete(number, gameId);
  return true;
}
