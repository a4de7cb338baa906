import { useEffect, useMemo, useState } from "react";
import { useQuery, useSubscription } from "urql";
import { GamesDocument, PlayersDocument, PresenceDocument } from "@multiverse/sdk/documents";
import { ErrorBox, Loading } from "../errors.tsx";

/** Pick a game and follow who is online: players(online: true), then the presence subscription. */
export function PresenceView() {
  const context = useMemo(() => ({ additionalTypenames: ["Game"] }), []);
  const [games] = useQuery({ query: GamesDocument, context });
  const [gameId, setGameId] = useState(() => new URLSearchParams(window.location.search).get("game") ?? "");
  const list = games.data?.games;
  return (
    <section aria-labelledby="presence-title">
      <h2 id="presence-title">Presence</h2>
      {games.error && <ErrorBox error={games.error} />}
      {games.fetching && !list && <Loading what="games" />}
      {list && list.length === 0 && <p className="muted">No games yet.</p>}
      {list && list.length > 0 && (
        <form className="inline" onSubmit={(e) => e.preventDefault()}>
          <label htmlFor="presence-game">Game</label>
          <select
            id="presence-game"
            value={gameId}
            onChange={(e) => {
              setGameId(e.target.value);
              const url = new URL(window.location.href);
              url.searchParams.set("game", e.target.value);
              window.history.replaceState(null, "", url);
            }}
          >
            <option value="">Choose a game…</option>
            {list.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name} ({g.id})
              </option>
            ))}
          </select>
        </form>
      )}
      {gameId ? (
        <Online key={gameId} gameId={gameId} />
      ) : (
        <p className="muted">Pick a game to see who is online, live.</p>
      )}
    </section>
  );
}

function Online({ gameId }: { gameId: string }) {
  // Subscribe first, then query: changes received after the snapshot win over it.
  const [live] = useSubscription(
    { query: PresenceDocument, variables: { gameId } },
    (prev: { n: number; changes: Record<string, boolean> } = { n: 0, changes: {} }, data) => ({
      n: prev.n + 1,
      changes: { ...prev.changes, [data.presence.playerId]: data.presence.online },
    }),
  );
  const [snapshot, refresh] = useQuery({
    query: PlayersDocument,
    variables: { gameId, online: true },
    requestPolicy: "network-only",
  });
  const changeCount = live.data?.n ?? 0;
  // Learn the names of players who came online since the snapshot.
  useEffect(() => {
    if (changeCount > 0) refresh({ requestPolicy: "network-only" });
  }, [changeCount, refresh]);
  const names = new Map<string, string>();
  for (const p of snapshot.data?.players ?? []) names.set(p.id, p.displayName ?? p.externalId);
  const online = new Set(names.keys());
  for (const [id, on] of Object.entries(live.data?.changes ?? {})) {
    if (on) online.add(id);
    else online.delete(id);
  }
  const error = live.error ?? snapshot.error;
  if (error) return <ErrorBox error={error} />;
  if (!snapshot.data) return <Loading what="online players" />;
  const rows = [...online]
    .map((id) => ({ id, name: names.get(id) ?? id }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <>
      <p className="muted">{live.data ? "Live: changes arrive as they happen." : "Live: waiting for changes."}</p>
      {rows.length === 0 ? (
        <p className="muted">Nobody is online in this game.</p>
      ) : (
        <ul data-testid="presence-online" aria-label="Players online">
          {rows.map((r) => (
            <li key={r.id}>
              {r.name} <code className="muted">{r.id}</code>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
