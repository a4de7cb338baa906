// Type tests: what the SDK's main methods take and return, pinned. Only tsc can fail them (at
// runtime they are no-ops): types-check.test.ts runs tsc on this file under `npm test`, and
// `npm run typecheck` checks it too.
import { describe, expectTypeOf, it } from "vitest";
import {
  CloseCode,
  createMultiverseClient,
  isFatalClose,
  type ConnectionState,
  type Game,
  type GameChange,
  type GameStatus,
  type MultiverseClient,
  type MultiverseErrorCode,
  type MultiverseError,
  type MultiverseEvent,
  type MultiverseSubscription,
  type Player,
  type Realm,
  type RegisterGameInput,
  type ResumableSubscription,
  type Room,
  type RoomOccupantsUpdate,
  type Tick,
} from "../../sdk/src/index.ts";

// A client that is never used: only its type matters (subscriptions would start on call).
const client: MultiverseClient = createMultiverseClient({ url: "http://127.0.0.1:1/graphql", apiKey: "k" });
/** Type-checks `fn` without running it. */
const typeOnly = (_fn: () => unknown) => undefined;

describe("SDK types", () => {
  it("createMultiverseClient takes one credential at most", () => {
    expectTypeOf(createMultiverseClient).parameter(0).toHaveProperty("url").toEqualTypeOf<string>();
    expectTypeOf(createMultiverseClient({ url: "http://h", apiKey: "k" })).toEqualTypeOf<MultiverseClient>();
    expectTypeOf(
      createMultiverseClient({ url: "http://h", token: () => Promise.resolve("t") }),
    ).toEqualTypeOf<MultiverseClient>();
    // @ts-expect-error: two credentials
    typeOnly(() => createMultiverseClient({ url: "x", apiKey: "k", adminToken: "a" }));
    // @ts-expect-error: no url
    typeOnly(() => createMultiverseClient({ apiKey: "k" }));
  });

  it("registerGame takes the input itself and returns { game, apiKey }", () => {
    expectTypeOf(client.registerGame).parameter(0).toEqualTypeOf<RegisterGameInput>();
    expectTypeOf(client.registerGame).returns.resolves.toEqualTypeOf<{ apiKey: string; game: Game }>();
    expectTypeOf<Game>().toEqualTypeOf<{
      id: string;
      name: string;
      developerName: string;
      description: string;
      status: GameStatus;
      tickEvery: number;
      tickBarrier: boolean;
      registeredAt: string;
      lastHeartbeatAt: string | null;
      stale: boolean;
      playerEventTypes: string[];
      version: string;
      realms: Realm[];
    }>();
    expectTypeOf<GameStatus>().toEqualTypeOf<"ACTIVE" | "PAUSED" | "UNREGISTERED">();
    // @ts-expect-error: realm is required
    typeOnly(() => client.registerGame({ id: "a", name: "b" }));
  });

  it("rooms, players and moves", () => {
    expectTypeOf(client.createRoom).returns.resolves.toEqualTypeOf<Room>();
    expectTypeOf<Room>().toEqualTypeOf<{
      id: string;
      realmId: string;
      name: string;
      description: string;
      version: string;
      createdAt: string;
    }>();
    expectTypeOf(client.upsertPlayer).returns.resolves.toEqualTypeOf<Player>();
    expectTypeOf(client.movePlayer).returns.resolves.toEqualTypeOf<Player>();
    expectTypeOf(client.movePlayer)
      .parameter(0)
      .toEqualTypeOf<{ playerId: string; roomId?: string | null | undefined }>();
    expectTypeOf(client.players).returns.resolves.toEqualTypeOf<Player[]>();
    expectTypeOf<Player["roomId"]>().toEqualTypeOf<string | null>();
  });

  it("roomOccupants is an async iterable of updates", () => {
    type Sub = ReturnType<MultiverseClient["roomOccupants"]>;
    expectTypeOf<Sub>().toEqualTypeOf<MultiverseSubscription<RoomOccupantsUpdate>>();
    expectTypeOf<Sub>().toMatchTypeOf<AsyncIterable<RoomOccupantsUpdate>>();
    expectTypeOf<RoomOccupantsUpdate["occupants"]>().toEqualTypeOf<Player[]>();
    expectTypeOf<RoomOccupantsUpdate["change"]>().toEqualTypeOf<{
      kind: "JOINED" | "LEFT";
      playerId: string;
      cause: "CONNECTED" | "DISCONNECTED" | "EXPIRED" | "MOVED";
    } | null>();
    expectTypeOf(client.roomOccupants).parameter(1).toEqualTypeOf<{ signal?: AbortSignal } | undefined>();
  });

  it("gameChanges: the snapshot, then one game's change at a time", () => {
    expectTypeOf(client.gameChanges).returns.toEqualTypeOf<MultiverseSubscription<GameChange>>();
    expectTypeOf<GameChange>().toEqualTypeOf<{
      kind:
        "SNAPSHOT" | "REGISTERED" | "UPDATED" | "STATUS_CHANGED" | "KEY_ROTATED" | "STALE" | "HEALTHY" | "UNREGISTERED";
      game: Game | null;
      games: Game[] | null;
      at: string;
    }>();
  });

  it("events resume; publishEvent returns the stored event", () => {
    expectTypeOf(client.events).returns.toEqualTypeOf<ResumableSubscription<MultiverseEvent>>();
    expectTypeOf(client.events).parameter(0).toEqualTypeOf<
      | {
          gameId?: string | null | undefined;
          roomId?: string | null | undefined;
          playerId?: string | null | undefined;
          since?: string | null | undefined;
        }
      | undefined
    >();
    expectTypeOf<ResumableSubscription<MultiverseEvent>["ready"]>().toEqualTypeOf<Promise<void>>();
    expectTypeOf(client.publishEvent).returns.resolves.toEqualTypeOf<MultiverseEvent>();
    expectTypeOf<MultiverseEvent["seq"]>().toEqualTypeOf<string | null>();
    expectTypeOf<MultiverseEvent["data"]>().toEqualTypeOf<unknown>();
    expectTypeOf(client.ticks).returns.toEqualTypeOf<MultiverseSubscription<Tick>>();
  });

  it("the connection and the error", () => {
    expectTypeOf(client.connection.state).toEqualTypeOf<ConnectionState>();
    expectTypeOf<ConnectionState>().toEqualTypeOf<"connecting" | "connected" | "reconnecting" | "closed">();
    expectTypeOf<MultiverseError["code"]>().toEqualTypeOf<MultiverseErrorCode>();
    expectTypeOf<MultiverseError["kind"]>().toEqualTypeOf<"graphql" | "network">();
    expectTypeOf<MultiverseError["retryAfterMs"]>().toEqualTypeOf<number | undefined>();
  });

  it("the protocol's constants, and subscribe for documents", () => {
    expectTypeOf(CloseCode.Forbidden).toEqualTypeOf<4403>();
    expectTypeOf(isFatalClose).toEqualTypeOf<(code: number) => boolean>();
    expectTypeOf(client.subscribe<{ ticks: Tick }>).returns.toEqualTypeOf<ResumableSubscription<{ ticks: Tick }>>();
    typeOnly(() => client.subscribe({ query: "subscription { ticks { number } }", operationName: null }));
    // @ts-expect-error the query is required
    typeOnly(() => client.subscribe({ operationName: "Ticks" }));
  });
});
