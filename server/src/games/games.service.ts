import { generateKey, hashKey } from "../auth/keys.ts";
import type { Principal } from "../auth/principal.ts";
import type { PrismaClient } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { badInput, conflict, forbidden } from "../errors/errors.ts";
import type { RegisterGameInput } from "./register-game.input.ts";
import type { Game } from "./game.type.ts";

/** Whose name the game is registered under: a developer's own, or the one an admin gives. */
async function owner(
  prisma: PrismaClient,
  p: Principal,
  developerName: string | null | undefined,
): Promise<{ developerId: string | null; developerName: string }> {
  developerName = developerName?.trim();
  if (p.kind === "developer") {
    if (developerName && developerName !== p.name) {
      throw forbidden(`A developer registers games under its own name ("${p.name}")`);
    }
    return { developerId: p.developerId, developerName: p.name };
  }
  if (!developerName) throw badInput("developerName is required when an admin registers a game", "developerName");
  const dev = await prisma.developer.findUnique({ where: { name: developerName }, select: { id: true } });
  return { developerId: dev?.id ?? null, developerName };
}

/**
 * Registers a game with its first realm, in one transaction. Returns the game and its API
 * key, which is not stored and cannot be shown again.
 */
export async function registerGame(
  prisma: PrismaClient,
  p: Principal,
  input: RegisterGameInput,
): Promise<{ game: Game; apiKey: string }> {
  const who = await owner(prisma, p, input.developerName);
  const apiKey = generateKey("game");
  try {
    const game = await prisma.game.create({
      data: {
        id: input.id,
        name: input.name.trim(),
        ...who,
        description: input.description ?? "",
        tickEvery: input.tickEvery ?? 1,
        apiKeyHash: hashKey(apiKey),
        realms: {
          create: {
            name: input.realm.name.trim(),
            realmType: input.realm.realmType,
            adjacency: input.realm.adjacency,
            resonance: input.realm.resonance,
          },
        },
      },
    });
    return { game, apiKey };
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`The game id "${input.id}" is taken: choose another`);
    throw err;
  }
}
