import { useState } from "react";
import { useSubscription } from "urql";
import { RoomOccupantsDocument } from "@multiverse/sdk/documents";
import { ErrorBox, Loading } from "../errors.tsx";
import { Table } from "../Table.tsx";

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
        <Occupants key={roomId} roomId={roomId} />
      ) : (
        <p className="muted">Enter a room id to watch its online players, live.</p>
      )}
    </section>
  );
}

function Occupants({ roomId }: { roomId: string }) {
  const [live] = useSubscription({ query: RoomOccupantsDocument, variables: { roomId } });
  const room = live.data?.roomOccupants;
  if (live.error) return <ErrorBox error={live.error} />;
  if (!room) return <Loading what="occupants" />;
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
