import type { PlayerTokens } from "./auth/player-tokens.ts";
import type { Bus } from "./bus/bus.ts";
import type { ChannelBus } from "./bus/channel-bus.ts";
import type { Config } from "./config/env.ts";
import type { PrismaClient } from "./db/client.ts";
import type { Logger } from "./observability/logger.ts";
import type { GameQuotas } from "./quotas/game-quotas.ts";
import type { Realtime } from "./realtime/realtime.ts";

/** The long-lived parts of one server process, built once by `buildApp`. */
export interface Services {
  config: Config;
  prisma: PrismaClient;
  bus: Bus;
  /** Typed channels over `bus` (realtime/channels.ts lists them). */
  channels: ChannelBus;
  logger: Logger;
  playerTokens: PlayerTokens;
  adminToken: string;
  realtime: Realtime;
  /** Each game's quotas, and what it holds of them on this node. */
  quotas: GameQuotas;
}
