import { useState, type FormEvent } from "react";
import { useClient, useMutation, useQuery, useSubscription, type CombinedError } from "urql";
import {
  EventsDocument,
  EventsPageDocument,
  LatestEventSeqDocument,
  PublishEventDocument,
  type EventDelivery,
  type EventsSubscription,
} from "@multiverse/sdk/documents";
import { ErrorBox, Loading } from "../errors.tsx";
import { EventTable } from "./EventTable.tsx";

type LiveEvent = EventsSubscription["events"];
/** Events kept in the list (newest first); older ones drop off the end. */
const KEEP = 200;
/** Events shown when the view opens, before live ones arrive. */
const RECENT = 20;
/** Events read per "Load older events". */
const OLDER_PAGE = 50;

export function EventsView() {
  // ?game= opens the view filtered to one game (the game detail view links here).
  const [gameDraft, setGameDraft] = useState(() => new URLSearchParams(window.location.search).get("game") ?? "");
  const [gameId, setGameId] = useState(gameDraft);
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
          const url = new URL(window.location.href);
          if (gameDraft.trim()) url.searchParams.set("game", gameDraft.trim());
          else url.searchParams.delete("game");
          window.history.replaceState(null, "", url);
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
          placeholder="newest 20, then live"
        />
        <button type="submit">Replay</button>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? "Resume list" : "Pause list"}
        </button>
      </form>
      {paused && <p className="muted">The list is paused: new events are still received and appear on resume.</p>}
      {since ? (
        <Stream
          key={`${gameId}|${since}`}
          gameId={gameId || null}
          since={since}
          typeFilter={typeFilter}
          paused={paused}
        />
      ) : (
        <Latest key={gameId} gameId={gameId || null} typeFilter={typeFilter} paused={paused} />
      )}
      <PublishForm />
    </section>
  );
}

interface StreamProps {
  gameId: string | null;
  typeFilter: string;
  paused: boolean;
}

/**
 * The newest events, then live ones without a gap: where the log ends is read first, then the
 * newest page; the stream replays from the later of the two (commit order is seq order, so
 * nothing published in between is missed or shown twice).
 */
function Latest(props: StreamProps) {
  const [end] = useQuery({ query: LatestEventSeqDocument, requestPolicy: "network-only" });
  const [page] = useQuery({
    query: EventsPageDocument,
    variables: { gameId: props.gameId, last: RECENT },
    requestPolicy: "network-only",
    pause: !end.data,
  });
  const error = end.error ?? page.error;
  if (error) return <ErrorBox error={error} />;
  if (!end.data || !page.data) return <Loading what="the latest events" />;
  const lastSeq = BigInt(end.data.eventLog.lastSeq);
  const pageEnd = BigInt(page.data.events.pageInfo.endCursor ?? "0");
  const since = String(lastSeq > pageEnd ? lastSeq : pageEnd);
  return (
    <Stream
      {...props}
      since={since}
      initial={[...page.data.events.nodes].reverse()}
      olderExist={page.data.events.pageInfo.hasPreviousPage}
    />
  );
}

function Stream({
  gameId,
  since,
  initial = [],
  olderExist = true,
  typeFilter,
  paused,
}: StreamProps & { since: string; initial?: LiveEvent[]; olderExist?: boolean }) {
  const client = useClient();
  const [live] = useSubscription(
    { query: EventsDocument, variables: { gameId, since } },
    (previous: LiveEvent[] = initial, data: EventsSubscription) => [data.events, ...previous].slice(0, KEEP),
  );
  // While paused, keep showing the list as it was when paused.
  const [frozen, setFrozen] = useState<LiveEvent[] | null>(null);
  if (paused && frozen === null) setFrozen(live.data ?? initial);
  if (!paused && frozen !== null) setFrozen(null);
  const shown = paused && frozen !== null ? frozen : (live.data ?? initial);
  // Older pages read back from the log, below the live list. Once the live list is full its tail
  // drops off, so older pages would leave a gap: they are let go then (and read again on request).
  const [older, setOlder] = useState<Older>({ events: [], more: olderExist, loading: false, error: null });
  const olderShown = shown.length >= KEEP ? [] : older.events;
  const listed = [...shown, ...olderShown];
  const oldest = listed.at(-1)?.seq;
  const loadOlder = async () => {
    if (!oldest) return;
    setOlder({ events: olderShown, more: true, loading: true, error: null });
    const r = await client
      .query(EventsPageDocument, { gameId, before: oldest, last: OLDER_PAGE }, { requestPolicy: "network-only" })
      .toPromise();
    setOlder({
      events: r.data ? [...olderShown, ...[...r.data.events.nodes].reverse()] : olderShown,
      more: r.data ? r.data.events.pageInfo.hasPreviousPage : true,
      loading: false,
      error: r.error ?? null,
    });
  };
  const events = listed.filter((e) => e.type.startsWith(typeFilter));
  return (
    <div>
      {live.error && <ErrorBox error={live.error} />}
      <p className="muted" data-testid="events-live">
        Live after seq {since}: new events appear at the top.
      </p>
      {events.length === 0 && <p className="muted">No events match yet.</p>}
      {events.length > 0 && <EventTable events={events} testId="events" />}
      {older.error && <ErrorBox error={older.error} />}
      {oldest && older.more && (
        <button type="button" onClick={loadOlder} disabled={older.loading}>
          {older.loading ? "Loading older events…" : `Load ${OLDER_PAGE} older events`}
        </button>
      )}
      {oldest && !older.more && <p className="muted">The start of the log (or of what retention kept).</p>}
    </div>
  );
}

interface Older {
  events: LiveEvent[];
  /** Whether the log may hold events before the oldest listed. */
  more: boolean;
  loading: boolean;
  error: CombinedError | null;
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
