// Friendly names for what the methods return: one type per object, as sdk/operations/fragments.graphql selects it.
import type * as G from "./generated/graphql.ts";

export type Developer = G.DeveloperFragment;
export type Game = G.GameFragment;
export type Realm = G.RealmFragment;
export type Room = G.RoomFragment;
export type Player = G.PlayerFragment;
/** A cross-game event (named so it does not hide the DOM's `Event`). */
export type MultiverseEvent = G.EventFragment;
/** One message of `roomOccupants`: the full list of online players, the room's version and what changed. */
export type RoomOccupantsUpdate = G.RoomOccupantsFragment;
export type OccupantChange = NonNullable<G.RoomOccupantsFragment["change"]>;
export type PresenceChange = G.PresenceChangeFragment;
export type Tick = G.TickFragment;
export type Universe = G.UniverseFragment;
/** One message of `gameChanges`: the SNAPSHOT (`games`), or one game's change (`game`, as it left it). */
export type GameChange = G.GameChangeFragment;

/** `registerGame` and `rotateGameKey`: the game and its API key (shown this once). */
export type RegisterGameResult = G.RegisterGameMutation["registerGame"];
/** `createDeveloper`: the developer and its key (shown this once). */
export type CreateDeveloperResult = G.CreateDeveloperMutation["createDeveloper"];
/** `issuePlayerToken`: a short-lived token for a player's client. */
export type PlayerToken = G.IssuePlayerTokenMutation["issuePlayerToken"];
/** `eventsPage`: one page of the event log, oldest first. */
export type EventsPage = G.EventsPageQuery["events"];

export type {
  CreateDeveloperInput,
  CreateRealmInput,
  CreateRoomInput,
  EventDelivery,
  EventStatus,
  GameChangeKind,
  GameStatus,
  OccupantChangeKind,
  PresenceCause,
  PublishEventInput,
  RealmInput,
  RealmSelectorInput,
  RegisterGameInput,
  UpsertPlayerInput,
} from "./generated/graphql.ts";
