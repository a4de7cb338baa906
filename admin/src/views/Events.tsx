import { useState, type FormEvent } from "react";
import { useMutation, useSubscription } from "urql";
import {
  EventsDocument,
  PublishEventDocument,
  type EventDelivery,
  type EventsSubscription,
} from "@multiverse/sdk/documents";
import { ErrorBox, Loading } from "../errors.tsx";

type LiveEvent = EventsSubscription["events"];
const KEEP = 200;

export function EventsView() {
  const [gameDraft, setGameDraft] = useState("");
  const [gameId, setGameId] = useState("");
  const [typeFilter, setTypeFilter] = useState("");
  const [sinceDraft, setSinceDraft] = useState("");
  const [since, setSince] = useState("");
  const [paused, setPaused] = useState(false);
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      <form
        className="inline"
        aria-label="Event filters"
        onSubmit={(e) => {
          e.preventDefault();
          setGameId(gameDraft.trim());
        }}
      >
        <label htmlFor="events-game">Game id</label>
        <input
          id="events-game"
          value={gameDraft}
          onChange={(e) => setGameDraft(e.target.value)}
          placeholder="all games"
        />
        <button type="submit">Apply</button>
        <label htmlFor="events-type">Type starts with</label>
        <input id="events-type" value={typeFilter} onChange={(e) => setTypeFilter(e.target.value)} />
      </form>
      <form
        className="inline"
        aria-label="Replay"
        onSubmit={(e) => {
          e.preventDefault();
          setSince(sinceDraft.trim());
        }}
      >
        <label htmlFor="events-since">Replay from seq</label>
        <input
          id="events-since"
          inputMode="numeric"
          pattern="[0-9]*"
          value={sinceDraft}
          onChange={(e) => setSinceDraft(e.target.value)}
          placeholder="live only"
        />
        <button type="submit">Replay</button>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? "Resume list" : "Pause list"}
        </button>
      </form>
      {paused && <p className="muted">The list is paused: new events are still received and appear on resume.</p>}
      <Stream
        key={`${gameId}|${since}`}
        gameId={gameId || null}
        since={since || null}
        typeFilter={typeFilter}
        paused={paused}
      />
      <PublishForm />
    </section>
  );
}

function Stream({
  gameId,
  since,
  typeFilter,
  paused,
}: {
  gameId: string | null;
  since: string | null;
  typeFilter: string;
  paused: boolean;
}) {
  const [live] = useSubscription(
    { query: EventsDocument, variables: { gameId, since } },
    (previous: LiveEvent[] = [], data: EventsSubscription) => [data.events, ...previous].slice(0, KEEP),
  );
  // While paused, keep showing the list as it was when paused.
  const [frozen, setFrozen] = useState<LiveEvent[] | null>(null);
  if (paused && frozen === null) setFrozen(live.data ?? []);
  if (!paused && frozen !== null) setFrozen(null);
  const shown = paused && frozen !== null ? frozen : live.data;
  const events = (shown ?? []).filter((e) => e.type.startsWith(typeFilter));
  return (
    <div>
      {live.error && <ErrorBox error={live.error} />}
      {!live.error && !live.data && <Loading what="the live event stream (new events appear here)" />}
      {live.data && events.length === 0 && <p className="muted">No events match yet.</p>}
      {events.length > 0 && (
        <table data-testid="events">
          <thead>
            <tr>
              <th scope="col">Seq</th>
              <th scope="col">Type</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Tick</th>
              <th scope="col">Data</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td>{String(e.seq ?? "")}</td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>{e.sourceGameId}</td>
                <td>{e.broadcast ? "everyone" : (e.targetGameId ?? "")}</td>
                <td>{e.tick ?? ""}</td>
                <td>
                  <code>{JSON.stringify(e.data)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function PublishForm() {
  const [published, publish] = useMutation(PublishEventDocument);
  const [type, setType] = useState("");
  const [target, setTarget] = useState("");
  const [realm, setRealm] = useState({ realmType: "", adjacency: "", resonance: "" });
  const [data, setData] = useState("{}");
  const [delivery, setDelivery] = useState<EventDelivery>("IMMEDIATE");
  const [jsonError, setJsonError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
      setJsonError(null);
    } catch (error) {
      setJsonError(error instanceof Error ? error.message : String(error));
      return;
    }
    // Only the address parts that were filled in: an empty selector means no realm routing.
    const parts = Object.entries(realm).filter(([, v]) => v.trim() !== "");
    const targetRealm = parts.length > 0 ? Object.fromEntries(parts.map(([k, v]) => [k, v.trim()])) : null;
    await publish({
      input: { type: type.trim(), targetGameId: target.trim() || null, targetRealm, data: parsed, delivery },
    });
  };

  return (
    <>
      <h3>Publish an event</h3>
      <p className="muted">Events are published as the signed-in principal (a game API key publishes as its game).</p>
      <form onSubmit={submit} aria-label="Publish an event" className="grid">
        <label>
          Type
          <input
            name="type"
            required
            value={type}
            onChange={(e) => setType(e.target.value)}
            placeholder="trade.offer"
          />
        </label>
        <label>
          Target game id
          <input
            name="targetGameId"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder="broadcast"
          />
        </label>
        {(["realmType", "adjacency", "resonance"] as const).map((part) => (
          <label key={part}>
            Realm {part}
            <input
              name={part}
              value={realm[part]}
              onChange={(e) => setRealm({ ...realm, [part]: e.target.value })}
              placeholder="any"
            />
          </label>
        ))}
        <label>
          Delivery
          <select value={delivery} onChange={(e) => setDelivery(e.target.value as EventDelivery)}>
            <option value="IMMEDIATE">IMMEDIATE</option>
            <option value="NEXT_TICK">NEXT_TICK</option>
          </select>
        </label>
        <label className="wide">
          Data (JSON)
          <textarea name="data" rows={3} value={data} onChange={(e) => setData(e.target.value)} />
        </label>
        <button type="submit" disabled={published.fetching}>
          Publish
        </button>
      </form>
      {jsonError && <ErrorBox error={{ code: "BAD_JSON", message: jsonError }} />}
      {published.error && <ErrorBox error={published.error} />}
      {published.data && !published.error && (
        <p role="status">
          Published <code>{published.data.publishEvent.type}</code> (seq{" "}
          {String(published.data.publishEvent.seq ?? "pending")}).
        </p>
      )}
    </>
  );
}
