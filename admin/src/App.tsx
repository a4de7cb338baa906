import { lazy, Suspense, useEffect, useState } from "react";
import { Provider } from "urql";
import {
  connect,
  STORAGE_KEY,
  verifyCredential,
  type ApiError,
  type Connection,
  type ConnectionState,
} from "./client.ts";
import { ErrorBox, Loading } from "./errors.tsx";
import { EventsView } from "./views/Events.tsx";
import { GameDetailView } from "./views/GameDetail.tsx";
import { GamesView } from "./views/Games.tsx";
import { PresenceView } from "./views/Presence.tsx";
import { RoomView } from "./views/Room.tsx";
import { UniverseView } from "./views/Universe.tsx";

const GraphiQLView = lazy(() => import("./views/GraphiQLView.tsx").then((m) => ({ default: m.GraphiQLView })));

const VIEWS = [
  { path: "universe", label: "Universe" },
  { path: "games", label: "Games" },
  { path: "room", label: "Room" },
  { path: "presence", label: "Presence" },
  { path: "events", label: "Events" },
  { path: "graphiql", label: "GraphiQL" },
] as const;
type ViewPath = (typeof VIEWS)[number]["path"] | "game";

const BASE = "/admin/";

function currentView(): ViewPath {
  const rest = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : "";
  const first = rest.split("/")[0] ?? "";
  if (first === "game") return "game";
  return VIEWS.find((v) => v.path === first)?.path ?? "universe";
}

export function App() {
  const [credential, setCredential] = useState<string | null>(() => sessionStorage.getItem(STORAGE_KEY));
  const [connection, setConnection] = useState<Connection | null>(null);
  const [state, setState] = useState<ConnectionState>("connecting");
  const [view, setView] = useState<ViewPath>(currentView);

  useEffect(() => {
    const onPop = () => setView(currentView());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  useEffect(() => {
    if (!credential) return;
    const c = connect(credential, setState);
    setConnection(c);
    return () => {
      c.dispose();
      setConnection(null);
    };
  }, [credential]);

  if (!credential) {
    return (
      <SignIn
        forGraphiQL={view === "graphiql"}
        onSignedIn={(value) => {
          sessionStorage.setItem(STORAGE_KEY, value);
          setCredential(value);
        }}
      />
    );
  }

  const go = (path: ViewPath, search = "") => {
    window.history.pushState(null, "", `${BASE}${path}${search}`);
    setView(path);
  };

  const gameId = new URLSearchParams(window.location.search).get("id") ?? "";

  return (
    <div className="layout">
      <header>
        <h1>Multiverse admin</h1>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <a
              key={v.path}
              href={`${BASE}${v.path}`}
              aria-current={v.path === view ? "page" : undefined}
              onClick={(e) => {
                e.preventDefault();
                go(v.path);
              }}
            >
              {v.label}
            </a>
          ))}
        </nav>
        <span className={`status status-${state}`} role="status" aria-live="polite" data-testid="connection-status">
          {state}
        </span>
        <button
          type="button"
          onClick={() => {
            sessionStorage.removeItem(STORAGE_KEY);
            setCredential(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {connection ? (
          <Provider value={connection.client}>
            {view === "universe" && <UniverseView />}
            {view === "games" && <GamesView onOpen={(id) => go("game", `?id=${encodeURIComponent(id)}`)} />}
            {view === "game" && (
              <GameDetailView
                key={window.location.search}
                gameId={gameId}
                onOpenRoom={(id) => go("room", `?room=${encodeURIComponent(id)}`)}
                onOpenEvents={() => go("events", `?game=${encodeURIComponent(gameId)}`)}
              />
            )}
            {view === "presence" && <PresenceView />}
            {view === "room" && <RoomView />}
            {view === "events" && <EventsView />}
            {view === "graphiql" && (
              <Suspense fallback={<Loading what="GraphiQL" />}>
                <GraphiQLView credential={credential} />
              </Suspense>
            )}
          </Provider>
        ) : (
          <Loading what="connection" />
        )}
      </main>
    </div>
  );
}

/**
 * Asks for the credential every view uses. Opened for GraphiQL (e.g. a browser sent from
 * `/graphql`), it says why: GraphiQL runs queries as whoever signs in here.
 */
function SignIn({ forGraphiQL, onSignedIn }: { forGraphiQL: boolean; onSignedIn: (credential: string) => void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main className="signin">
      <h1>{forGraphiQL ? "Multiverse GraphiQL" : "Multiverse admin"}</h1>
      {forGraphiQL && (
        <p data-testid="graphiql-signed-out">
          GraphiQL sends your queries to <code>/graphql</code> with a credential, and the API answers what that
          credential may see. Sign in with the admin token (printed by <code>npm start</code>) or a developer key to
          open it. Programs call <code>/graphql</code> directly, with <code>Authorization: Bearer …</code>.
        </p>
      )}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const token = value.trim();
          if (!token) return;
          setBusy(true);
          setError(null);
          const refused = await verifyCredential(token);
          setBusy(false);
          if (refused) setError(refused);
          else onSignedIn(token);
        }}
      >
        <label htmlFor="credential">Admin token or developer key</label>
        <input
          id="credential"
          name="credential"
          type="password"
          autoComplete="off"
          required
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {error && (
        <>
          <p className="error-title">
            {error.code === "UNAUTHENTICATED" ? "The API refused this credential." : "Sign-in failed."}
          </p>
          <ErrorBox error={error} />
        </>
      )}
      <p className="muted">The credential is kept in this tab only (sessionStorage).</p>
    </main>
  );
}
