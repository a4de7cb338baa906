import { useMemo, useState, type FormEvent } from "react";
import { useSubscription } from "urql";
import {
  RoomOccupantsDocument,
  type RoomOccupantsFragment,
  type RoomOccupantsSubscription,
} from "@multiverse/sdk/documents";
import { ErrorBox, Loading } from "../errors.tsx";
import { Table } from "../Table.tsx";
import { DataAndSubmit, PublishOutcome, usePublishEvent } from "./publish-event.tsx";
import { useLatestEvents, useLiveEvents, type EventFilter, type LiveEvent } from "./live-events.ts";

/** Lines of the room's chat shown when the view opens, before live ones arrive. */
const CHAT_RECENT = 20;
/** Lines kept as they arrive; older ones drop off the top. */
const CHAT_KEEP = 100;

export function RoomView() {
  const [draft, setDraft] = useState(() => new URLSearchParams(window.location.search).get("room") ?? "");
  const [roomId, setRoomId] = useState(draft);
  return (
    <section aria-labelledby="room-title">
      <h2 id="room-title">Room</h2>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setRoomId(draft.trim());
          const url = new URL(window.location.href);
          url.searchParams.set("room", draft.trim());
          window.history.replaceState(null, "", url);
        }}
      >
        <label htmlFor="room-id">Room id</label>
        <input id="room-id" name="roomId" required value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Watch</button>
      </form>
      {roomId ? (
        <WatchedRoom key={roomId} roomId={roomId} />
      ) : (
        <p className="muted">Enter a room id to watch its online players and what is said in it, live.</p>
      )}
    </section>
  );
}

/** Display names by player id: everyone seen in the room while watching it. */
type Names = Readonly<Record<string, string>>;

/** What the view holds of the room: its latest occupants, and the names of everyone seen in it. */
interface Watched {
  room: RoomOccupantsFragment;
  names: Names;
}

/** One room, live: its online players, then what is said in it. */
function WatchedRoom({ roomId }: { roomId: string }) {
  const [live] = useSubscription(
    { query: RoomOccupantsDocument, variables: { roomId } },
    (previous: Watched | undefined, data: RoomOccupantsSubscription): Watched => ({
      room: data.roomOccupants,
      names: {
        ...previous?.names,
        ...Object.fromEntries(data.roomOccupants.occupants.map((p) => [p.id, p.displayName])),
      },
    }),
  );
  return (
    <div>
      {live.error ? (
        <ErrorBox error={live.error} />
      ) : live.data ? (
        <Occupants room={live.data.room} />
      ) : (
        <Loading what="occupants" />
      )}
      <RoomChat roomId={roomId} names={live.data?.names ?? {}} />
    </div>
  );
}

function Occupants({ room }: { room: RoomOccupantsFragment }) {
  return (
    <div>
      <p>
        Version <span data-testid="room-version">{room.version}</span>
        {room.change && (
          <>
            {" "}
            · last change: {room.change.kind} <code>{room.change.playerId}</code> ({room.change.cause})
          </>
        )}
      </p>
      {room.occupants.length === 0 ? (
        <p className="muted" data-testid="room-empty">
          No online players in this room.
        </p>
      ) : (
        <Table columns={["Player", "Id", "Game", "Online"]} testId="occupants">
          {room.occupants.map((p) => (
            <tr key={p.id}>
              <td>{p.displayName}</td>
              <td>
                <code>{p.id}</code>
              </td>
              <td>{p.gameId}</td>
              <td>{p.online ? "yes" : "no"}</td>
            </tr>
          ))}
        </Table>
      )}
    </div>
  );
}

/**
 * The events sent to the room (`events(roomId)`): the newest few, then live without a gap, in
 * chat order (the newest at the bottom), and a form to say something in it.
 */
function RoomChat({ roomId, names }: { roomId: string; names: Names }) {
  const filter = useMemo<EventFilter>(() => ({ gameId: null, roomId, playerId: null }), [roomId]);
  const latest = useLatestEvents(filter, CHAT_RECENT);
  return (
    <>
      <h3>Said in this room</h3>
      {latest.state === "error" && <ErrorBox error={latest.error} />}
      {latest.state === "loading" && <Loading what="what was said" />}
      {latest.state === "ready" && (
        <ChatLines filter={filter} since={latest.since} initial={latest.initial} names={names} />
      )}
      <SayForm roomId={roomId} />
    </>
  );
}

/** Who said it: a player (its name when seen in the room, else its id), a game, or the admin. */
function speaker(e: LiveEvent, names: Names): string {
  if (e.sourcePlayerId) return names[e.sourcePlayerId] ?? e.sourcePlayerId;
  return e.sourceGameId ? `game ${e.sourceGameId}` : "admin";
}

/** What was said: `data.text` when it is a string, else the data as JSON. */
function said(data: unknown): string {
  const text = typeof data === "object" && data !== null ? (data as { text?: unknown }).text : undefined;
  return typeof text === "string" ? text : JSON.stringify(data);
}

function ChatLines({
  filter,
  since,
  initial,
  names,
}: {
  filter: EventFilter;
  since: string;
  initial: LiveEvent[];
  names: Names;
}) {
  const live = useLiveEvents(filter, since, initial, CHAT_KEEP);
  // Kept newest first; shown oldest first, as a chat reads.
  const lines = [...(live.data ?? initial)].reverse();
  return (
    <>
      {live.error && <ErrorBox error={live.error} />}
      <p className="muted" data-testid="room-chat-live">
        Live after seq {since}: new lines appear at the bottom.
      </p>
      {lines.length === 0 ? (
        <p className="muted">Nothing said in this room yet.</p>
      ) : (
        <ol className="chat" aria-label="Said in this room" data-testid="room-chat">
          {lines.map((e) => (
            <li key={e.id}>
              <time dateTime={e.createdAt} className="muted">
                {new Date(e.createdAt).toLocaleTimeString()}
              </time>{" "}
              <strong>{speaker(e, names)}</strong> <code className="event-type">{e.type}</code> {said(e.data)}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

/** Publishes an event to the room as the signed-in principal (a game key as its game). */
function SayForm({ roomId }: { roomId: string }) {
  const publishing = usePublishEvent('{ "text": "" }');
  const [type, setType] = useState("chat.say");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await publishing.publish((value) => ({ type: type.trim(), targetRoomId: roomId, data: value }));
  };
  return (
    <>
      <form onSubmit={submit} aria-label="Say in this room" className="grid">
        <label>
          Type
          <input name="type" required value={type} onChange={(e) => setType(e.target.value)} />
        </label>
        <DataAndSubmit publishing={publishing} rows={2} submit="Send to the room" />
      </form>
      <PublishOutcome publishing={publishing} verb="Sent" />
    </>
  );
}
