import { useQuery, useSubscription } from "urql";
import { UniverseDocument, UniverseUpdatesDocument } from "@multiverse/sdk/documents";
import { ErrorBox, Loading } from "../errors.tsx";
import { TickChart } from "./TickChart.tsx";

/** A figure for a card: fractions rounded to two places, lists joined, nothing as a dash. */
function show(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number" && !Number.isInteger(value)) return value.toFixed(2);
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

const FIELDS = [
  ["games", "Games"],
  ["realms", "Realms"],
  ["rooms", "Rooms"],
  ["players", "Players"],
  ["playersOnline", "Players online"],
  ["events", "Events"],
  ["pendingEvents", "Pending events"],
  ["currentTick", "Current tick"],
  ["lastTickDurationMs", "Last tick (ms)"],
  ["nodes", "Nodes"],
] as const;

export function UniverseView() {
  const [query] = useQuery({ query: UniverseDocument });
  const [live] = useSubscription({ query: UniverseUpdatesDocument });
  const universe = live.data?.universe ?? query.data?.universe;
  return (
    <section aria-labelledby="universe-title">
      <h2 id="universe-title">Universe</h2>
      <p className="muted">{live.data ? "Live." : "Waiting for the live feed…"}</p>
      {(query.error ?? live.error) && <ErrorBox error={(query.error ?? live.error)!} />}
      {!universe && !query.error && <Loading what="universe" />}
      {universe && (
        <dl className="counts">
          {FIELDS.map(([key, label]) => (
            <div key={key}>
              <dt>{label}</dt>
              <dd data-testid={`universe-${key}`}>{show(universe[key])}</dd>
            </div>
          ))}
        </dl>
      )}
      <TickChart />
    </section>
  );
}
