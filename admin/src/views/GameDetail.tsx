import { useMemo } from "react";
import { useQuery } from "urql";
import { AdminGameDetailDocument, EventsPageDocument, PlayersDocument } from "@multiverse/sdk/documents";
import { ErrorBox, Loading } from "../errors.tsx";
import { EventTable } from "./EventTable.tsx";
import { GameQuotasPanel } from "./GameQuotas.tsx";
import { Table } from "../Table.tsx";

/** How many of the game's newest events the view lists. */
const RECENT = 20;

/** One game: its realms (with their address fields and rooms), players and recent events. */
export function GameDetailView({
  gameId,
  onOpenRoom,
  onOpenEvents,
}: {
  gameId: string;
  onOpenRoom: (roomId: string) => void;
  onOpenEvents: () => void;
}) {
  const context = useMemo(() => ({ additionalTypenames: ["Game", "Player", "Event"] }), []);
  const [game] = useQuery({ query: AdminGameDetailDocument, variables: { id: gameId }, context });
  const [players] = useQuery({ query: PlayersDocument, variables: { gameId }, context });
  const [events] = useQuery({ query: EventsPageDocument, variables: { gameId, last: RECENT }, context });
  const g = game.data?.game;
  return (
    <section aria-labelledby="game-title">
      <h2 id="game-title">
        Game <code>{gameId}</code>
      </h2>
      {game.error && <ErrorBox error={game.error} />}
      {game.fetching && !g && <Loading what="the game" />}
      {g && (
        <>
          <p>
            {g.name} · {g.developerName} · <span data-testid="game-status">{g.status}</span>
          </p>
          {g.quotas && (
            <>
              <h3>Quotas</h3>
              <GameQuotasPanel key={g.id} gameId={g.id} quotas={g.quotas} />
            </>
          )}
          <h3>Realms</h3>
          {g.realms.length === 0 && <p className="muted">No realms.</p>}
          {g.realms.map((r) => (
            <article key={r.id} className="realm" aria-label={`Realm ${r.name}`} data-testid="realm">
              <h4>{r.name}</h4>
              <dl className="counts">
                <div>
                  <dt>Type</dt>
                  <dd>{r.realmType}</dd>
                </div>
                <div>
                  <dt>Adjacency</dt>
                  <dd>{r.adjacency}</dd>
                </div>
                <div>
                  <dt>Resonance</dt>
                  <dd>{r.resonance}</dd>
                </div>
              </dl>
              {r.rooms.length === 0 ? (
                <p className="muted">No rooms in this realm.</p>
              ) : (
                <ul aria-label={`Rooms of ${r.name}`}>
                  {r.rooms.map((room) => (
                    <li key={room.id}>
                      <a
                        href={`/admin/room?room=${encodeURIComponent(room.id)}`}
                        onClick={(e) => {
                          e.preventDefault();
                          onOpenRoom(room.id);
                        }}
                      >
                        Room {room.name}
                      </a>{" "}
                      <code className="muted">{room.id}</code>
                    </li>
                  ))}
                </ul>
              )}
            </article>
          ))}
        </>
      )}

      <h3>Players</h3>
      {players.error && <ErrorBox error={players.error} />}
      {players.fetching && !players.data && <Loading what="players" />}
      {players.data && players.data.players.length === 0 && <p className="muted">No players.</p>}
      {players.data && players.data.players.length > 0 && (
        <Table columns={["Player", "Online", "Room", "Last seen"]}>
          {players.data.players.map((p) => (
            <tr key={p.id}>
              <td>{p.displayName ?? p.externalId}</td>
              <td>{p.online ? "online" : "offline"}</td>
              <td>{p.roomId ? <code>{p.roomId}</code> : "—"}</td>
              <td>{p.lastSeenAt ? new Date(String(p.lastSeenAt)).toLocaleString() : "—"}</td>
            </tr>
          ))}
        </Table>
      )}

      <h3>Recent events</h3>
      <p className="muted">
        The newest {RECENT}, newest first.{" "}
        <a
          href={`/admin/events?game=${encodeURIComponent(gameId)}`}
          onClick={(e) => {
            e.preventDefault();
            onOpenEvents();
          }}
        >
          Watch this game&apos;s events live
        </a>
      </p>
      {events.error && <ErrorBox error={events.error} />}
      {events.fetching && !events.data && <Loading what="events" />}
      {events.data && events.data.events.nodes.length === 0 && <p className="muted">No events for this game.</p>}
      {events.data && events.data.events.nodes.length > 0 && (
        <EventTable events={[...events.data.events.nodes].reverse()} testId="recent-events" />
      )}
    </section>
  );
}
