import { Fragment, useState, type FormEvent } from "react";
import { useClient, type CombinedError } from "urql";
import { EventsPageDocument, type EventDelivery } from "@multiverse/sdk/documents";
import { ErrorBox, Loading } from "../errors.tsx";
import { EventTable } from "./EventTable.tsx";
import { DataAndSubmit, PublishOutcome, usePublishEvent } from "./publish-event.tsx";
import { useLatestEvents, useLiveEvents, type EventFilter, type LiveEvent } from "./live-events.ts";

/** Events kept in the list (newest first); older ones drop off the end. */
const KEEP = 200;
/** Events shown when the view opens, before live ones arrive. */
const RECENT = 20;
/** Events read per "Load older events". */
const OLDER_PAGE = 50;

/** The filter inputs: each one's label and the URL parameter that keeps it (`?game=`, `?room=`, `?player=`). */
const FILTERS = [
  { key: "gameId", label: "Game id", param: "game", placeholder: "all games" },
  { key: "roomId", label: "Room id", param: "room", placeholder: "any room" },
  { key: "playerId", label: "Player id", param: "player", placeholder: "any player" },
] as const;

type FilterDrafts = Record<keyof EventFilter, string>;

/** The filters the URL names (the game detail view links here with `?game=`). */
function draftsFromUrl(): FilterDrafts {
  const params = new URLSearchParams(window.location.search);
  const drafts = { gameId: "", roomId: "", playerId: "" };
  for (const f of FILTERS) drafts[f.key] = params.get(f.param) ?? "";
  return drafts;
}

/** The drafts as the `events` arguments: trimmed, an empty one left out (null). */
function toFilter(drafts: FilterDrafts): EventFilter {
  const value = (s: string) => s.trim() || null;
  return { gameId: value(drafts.gameId), roomId: value(drafts.roomId), playerId: value(drafts.playerId) };
}

export function EventsView() {
  const [drafts, setDrafts] = useState(draftsFromUrl);
  const [filter, setFilter] = useState(() => toFilter(drafts));
  const [typeFilter, setTypeFilter] = useState("");
  const [sinceDraft, setSinceDraft] = useState("");
  const [since, setSince] = useState("");
  const [paused, setPaused] = useState(false);
  const filterKey = FILTERS.map((f) => filter[f.key] ?? "").join("|");
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      <form
        className="inline"
        aria-label="Event filters"
        onSubmit={(e) => {
          e.preventDefault();
          const applied = toFilter(drafts);
          setFilter(applied);
          const url = new URL(window.location.href);
          for (const f of FILTERS) {
            const value = applied[f.key];
            if (value) url.searchParams.set(f.param, value);
            else url.searchParams.delete(f.param);
          }
          window.history.replaceState(null, "", url);
        }}
      >
        {FILTERS.map((f) => (
          <Fragment key={f.key}>
            <label htmlFor={`events-${f.param}`}>{f.label}</label>
            <input
              id={`events-${f.param}`}
              value={drafts[f.key]}
              onChange={(e) => setDrafts({ ...drafts, [f.key]: e.target.value })}
              placeholder={f.placeholder}
            />
          </Fragment>
        ))}
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
        <Stream key={`${filterKey}|${since}`} filter={filter} since={since} typeFilter={typeFilter} paused={paused} />
      ) : (
        <Latest key={filterKey} filter={filter} typeFilter={typeFilter} paused={paused} />
      )}
      <PublishForm />
    </section>
  );
}

interface StreamProps {
  filter: EventFilter;
  typeFilter: string;
  paused: boolean;
}

/** The newest events, then live ones without a gap (useLatestEvents). */
function Latest(props: StreamProps) {
  const latest = useLatestEvents(props.filter, RECENT);
  if (latest.state === "error") return <ErrorBox error={latest.error} />;
  if (latest.state === "loading") return <Loading what="the latest events" />;
  return <Stream {...props} since={latest.since} initial={latest.initial} olderExist={latest.olderExist} />;
}

function Stream({
  filter,
  since,
  initial = [],
  olderExist = true,
  typeFilter,
  paused,
}: StreamProps & { since: string; initial?: LiveEvent[]; olderExist?: boolean }) {
  const client = useClient();
  const live = useLiveEvents(filter, since, initial, KEEP);
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
      .query(EventsPageDocument, { ...filter, before: oldest, last: OLDER_PAGE }, { requestPolicy: "network-only" })
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
  const publishing = usePublishEvent("{}");
  const [type, setType] = useState("");
  const [target, setTarget] = useState("");
  const [realm, setRealm] = useState({ realmType: "", adjacency: "", resonance: "" });
  const [delivery, setDelivery] = useState<EventDelivery>("IMMEDIATE");

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // Only the address parts that were filled in: an empty selector means no realm routing.
    const parts = Object.entries(realm).filter(([, v]) => v.trim() !== "");
    const targetRealm = parts.length > 0 ? Object.fromEntries(parts.map(([k, v]) => [k, v.trim()])) : null;
    await publishing.publish((value) => ({
      type: type.trim(),
      targetGameId: target.trim() || null,
      targetRealm,
      data: value,
      delivery,
    }));
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
        <DataAndSubmit publishing={publishing} rows={3} submit="Publish" />
      </form>
      <PublishOutcome publishing={publishing} verb="Published" />
    </>
  );
}
