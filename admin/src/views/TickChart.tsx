import { useSubscription } from "urql";
import { TicksDocument } from "@multiverse/sdk/documents";
import { ErrorBox } from "../errors.tsx";

/** One point per control tick. */
export interface TickPoint {
  number: string;
  durationMs: number;
  events: number;
  /** How long the tick barrier held it back, and the games it gave up on. */
  waitedMs: number;
  late: string[];
}

const KEEP = 60;
/** The late ticks listed under the chart, newest first. */
const LATE_SHOWN = 5;
const W = 600;
const H = 160;
const PAD = 24;

function path(values: number[], max: number): string {
  const step = (W - 2 * PAD) / Math.max(1, KEEP - 1);
  return values
    .map(
      (v, i) =>
        `${i === 0 ? "M" : "L"}${(PAD + i * step).toFixed(1)},${(H - PAD - (v / max) * (H - 2 * PAD)).toFixed(1)}`,
    )
    .join(" ");
}

/**
 * Tick duration and events per tick over the last ~60 control ticks, from the `ticks`
 * subscription, and the games the tick barrier gave up on in those ticks.
 */
export function TickChart() {
  const [live] = useSubscription({ query: TicksDocument, variables: {} }, (prev: TickPoint[] = [], data) => {
    const t = data.ticks;
    const next = [
      ...prev,
      {
        number: String(t.number),
        durationMs: t.durationMs,
        events: t.eventsPropagated,
        waitedMs: t.waitedMs,
        late: t.lateGameIds,
      },
    ];
    return next.slice(-KEEP);
  });
  const points = live.data ?? [];
  const maxMs = Math.max(1, ...points.map((p) => p.durationMs));
  const maxEvents = Math.max(1, ...points.map((p) => p.events));
  const last = points.at(-1);
  const lateTicks = points
    .filter((p) => p.late.length > 0)
    .slice(-LATE_SHOWN)
    .reverse();
  return (
    <section aria-labelledby="ticks-title">
      <h3 id="ticks-title">Ticks</h3>
      {live.error && <ErrorBox error={live.error} />}
      {!live.error && points.length === 0 && (
        <p className="muted" aria-busy="true">
          Waiting for ticks… (none arrive while the tick is off, <code>TICK_HZ=0</code>)
        </p>
      )}
      {points.length > 0 && (
        <figure className="tick-chart">
          <svg
            viewBox={`0 0 ${W} ${H}`}
            role="img"
            aria-label={`Tick duration and events per tick over the last ${points.length} ticks`}
            data-testid="tick-chart"
            data-points={points.length}
          >
            <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} stroke="currentColor" strokeOpacity="0.3" />
            <path
              d={path(
                points.map((p) => p.durationMs),
                maxMs,
              )}
              fill="none"
              stroke="#2563eb"
              strokeWidth="2"
            />
            <path
              d={path(
                points.map((p) => p.events),
                maxEvents,
              )}
              fill="none"
              stroke="#d97706"
              strokeWidth="2"
            />
            <text x={PAD} y={14} fontSize="11" fill="#2563eb">
              duration (max {maxMs.toFixed(1)} ms)
            </text>
            <text x={W / 2} y={14} fontSize="11" fill="#d97706">
              events per tick (max {maxEvents})
            </text>
          </svg>
          {last && (
            <figcaption className="muted">
              Tick {last.number}: {last.durationMs.toFixed(2)} ms, {last.events} events ({points.length} ticks shown)
            </figcaption>
          )}
        </figure>
      )}
      {points.length > 0 && <LateGames ticks={lateTicks} shown={points.length} />}
    </section>
  );
}

/** The ticks whose barrier gave up on games (late games), newest first; or that none was late. */
function LateGames({ ticks, shown }: { ticks: TickPoint[]; shown: number }) {
  if (ticks.length === 0) {
    return (
      <p className="muted" data-testid="tick-late">
        No game was late in the last {shown} ticks.
      </p>
    );
  }
  return (
    <div data-testid="tick-late">
      <h4>Late games</h4>
      <ul className="late-ticks">
        {ticks.map((t) => (
          <li key={t.number}>
            Tick {t.number} waited {t.waitedMs.toFixed(0)} ms and gave up on <strong>{t.late.join(", ")}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}
