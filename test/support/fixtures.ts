import type { GqlResult } from "./graphql.ts";
import { TEST_ADMIN_TOKEN, type TestServer } from "./server.ts";

/** The data of a result that must have succeeded; throws with the errors otherwise. */
export function must<T>(r: GqlResult<T>): T {
  if (r.errors?.length || !r.data) throw new Error(`GraphQL failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

export interface TestDeveloper {
  id: string;
  name: string;
  key: string;
}

export interface TestGame {
  id: string;
  apiKey: string;
  realmId: string;
  roomId: string;
  /** Two players, both in `roomId`. */
  players: { id: string; token: string }[];
}

export async function createDeveloper(s: TestServer, name: string): Promise<TestDeveloper> {
  const d = must(
    await s.gql<{ createDeveloper: { key: string; developer: { id: string; name: string } } }>(
      `mutation($name: String!) { createDeveloper(input: { name: $name }) { key developer { id name } } }`,
      { name },
      TEST_ADMIN_TOKEN,
    ),
  );
  return { ...d.createDeveloper.developer, key: d.createDeveloper.key };
}

export const REGISTER_GAME = `mutation($input: RegisterGameInput!) {
  registerGame(input: $input) { apiKey game { id name developerName status realms { id name } } }
}`;

export const realmInput = (name = "Main", realmType = "forest", adjacency = "north", resonance = "arcane") => ({
  name,
  realmType,
  adjacency,
  resonance,
});

/** Registers game `id` as `credential` (a developer key, or the admin token with a developer name). */
export async function registerGame(
  s: TestServer,
  credential: string,
  id: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; apiKey: string; realmId: string }> {
  const input = { id, name: `Game ${id}`, realm: realmInput(), ...extra };
  const d = must(
    await s.gql<{ registerGame: { apiKey: string; game: { id: string; realms: { id: string }[] } } }>(
      REGISTER_GAME,
      { input },
      credential,
    ),
  );
  return { id, apiKey: d.registerGame.apiKey, realmId: d.registerGame.game.realms[0]!.id };
}

export async function createRoom(s: TestServer, credential: string, realmId: string, name = "Lobby"): Promise<string> {
  const d = must(
    await s.gql<{ createRoom: { id: string } }>(
      `mutation($input: CreateRoomInput!) { createRoom(input: $input) { id } }`,
      { input: { realmId, name } },
      credential,
    ),
  );
  return d.createRoom.id;
}

export async function upsertPlayer(s: TestServer, apiKey: string, externalId: string): Promise<string> {
  const d = must(
    await s.gql<{ upsertPlayer: { id: string } }>(
      `mutation($input: UpsertPlayerInput!) { upsertPlayer(input: $input) { id } }`,
      { input: { externalId, displayName: `Player ${externalId}` } },
      apiKey,
    ),
  );
  return d.upsertPlayer.id;
}

export async function issuePlayerToken(s: TestServer, apiKey: string, playerId: string): Promise<string> {
  const d = must(
    await s.gql<{ issuePlayerToken: { token: string } }>(
      `mutation($id: ID!) { issuePlayerToken(playerId: $id) { token } }`,
      { id: playerId },
      apiKey,
    ),
  );
  return d.issuePlayerToken.token;
}

export async function movePlayer(
  s: TestServer,
  credential: string,
  playerId: string,
  roomId: string | null,
): Promise<GqlResult<{ movePlayer: { id: string; roomId: string | null } }>> {
  return s.gql(
    `mutation($p: ID!, $r: ID) { movePlayer(playerId: $p, roomId: $r) { id roomId } }`,
    { p: playerId, r: roomId },
    credential,
  );
}

/**
 * A game owned by `developer`, with a realm, a room and two players in it, each with a token.
 * Its server heartbeats both players, so they are online (occupants of the room).
 */
export async function seedGame(s: TestServer, developer: TestDeveloper, id: string): Promise<TestGame> {
  const g = await registerGame(s, developer.key, id);
  const roomId = await createRoom(s, g.apiKey, g.realmId);
  const players = [];
  for (const ext of ["p1", "p2"]) {
    const playerId = await upsertPlayer(s, g.apiKey, ext);
    must(await movePlayer(s, g.apiKey, playerId, roomId));
    players.push({ id: playerId, token: await issuePlayerToken(s, g.apiKey, playerId) });
  }
  must(
    await s.gql(
      `mutation($ids: [ID!]!) { heartbeat(playerIds: $ids) { id } }`,
      { ids: players.map((p) => p.id) },
      g.apiKey,
    ),
  );
  return { ...g, roomId, players };
}

export interface World {
  admin: string;
  devA: TestDeveloper;
  devB: TestDeveloper;
  /** Owned by devA. */
  gameA: TestGame;
  /** Owned by devB. */
  gameB: TestGame;
}

/** Two developers, each with one seeded game: the tenancy tests' world. */
export async function seedWorld(s: TestServer): Promise<World> {
  const devA = await createDeveloper(s, "Developer A");
  const devB = await createDeveloper(s, "Developer B");
  return {
    admin: TEST_ADMIN_TOKEN,
    devA,
    devB,
    gameA: await seedGame(s, devA, "game-a"),
    gameB: await seedGame(s, devB, "game-b"),
  };
}
