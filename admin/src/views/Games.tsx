import { useState, type FormEvent } from "react";
import { useMutation, useSubscription } from "urql";
import {
  GameChangesDocument,
  RegisterGameDocument,
  RotateGameKeyDocument,
  SetGameStatusDocument,
  UnregisterGameDocument,
} from "@multiverse/sdk/documents";
import type { Game, GameChange } from "@multiverse/sdk";
import { ErrorBox, Loading } from "../errors.tsx";
import { Table } from "../Table.tsx";

const EMPTY = {
  id: "",
  name: "",
  developerName: "",
  description: "",
  realmName: "",
  realmType: "",
  adjacency: "",
  resonance: "",
};

/**
 * The games as the `games` subscription leaves them, by id: its SNAPSHOT replaces the list (the
 * first message, and again after a reconnect), and each change replaces its game unless what
 * the list holds is as new (a higher `version` is the newer copy).
 */
function apply(list: Record<string, Game> | undefined, change: GameChange): Record<string, Game> {
  if (change.kind === "SNAPSHOT") return Object.fromEntries((change.games ?? []).map((g) => [g.id, g]));
  const g = change.game;
  const held = g ? list?.[g.id] : undefined;
  if (!g || (held && BigInt(held.version) >= BigInt(g.version))) return list ?? {};
  return { ...list, [g.id]: g };
}

export function GamesView({ onOpen }: { onOpen?: (gameId: string) => void } = {}) {
  // Live: the snapshot, then every change, whoever makes it (this console, another, the API, the
  // health chore): no refetch after an action, no polling.
  const [games] = useSubscription({ query: GameChangesDocument }, (prev: Record<string, Game> | undefined, data) =>
    apply(prev, data.games),
  );
  const [registered, register] = useMutation(RegisterGameDocument);
  const [form, setForm] = useState(EMPTY);
  const [apiKey, setApiKey] = useState<{ gameId: string; key: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [statusResult, setStatus] = useMutation(SetGameStatusDocument);
  const [rotated, rotate] = useMutation(RotateGameKeyDocument);
  const [unregistered, unregister] = useMutation(UnregisterGameDocument);
  const [confirming, setConfirming] = useState<string | null>(null);
  const actionError = statusResult.error ?? rotated.error ?? unregistered.error;
  const busy = statusResult.fetching || rotated.fetching || unregistered.fetching;

  const field = (key: keyof typeof EMPTY, label: string, required = true) => (
    <label>
      {label}
      <input
        name={key}
        required={required}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      />
    </label>
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const result = await register({
      input: {
        id: form.id.trim(),
        name: form.name.trim(),
        developerName: form.developerName.trim() || null,
        description: form.description.trim() || null,
        realm: {
          name: form.realmName,
          realmType: form.realmType,
          adjacency: form.adjacency,
          resonance: form.resonance,
        },
      },
    });
    if (result.data) {
      setApiKey({ gameId: result.data.registerGame.game.id, key: result.data.registerGame.apiKey });
      setCopied(false);
      setForm(EMPTY);
    }
  };

  const list = games.data && Object.values(games.data).sort((a, b) => a.id.localeCompare(b.id));
  return (
    <section aria-labelledby="games-title">
      <h2 id="games-title">Games</h2>
      {games.error && <ErrorBox error={games.error} />}
      {games.fetching && !list && <Loading what="games" />}
      {list && list.length === 0 && <p className="muted">No games yet. Register one below.</p>}
      {list && list.length > 0 && (
        <Table
          columns={[
            "Id",
            "Name",
            "Developer",
            "Status",
            "Realms",
            { label: "Registered", narrowHidden: true },
            "Last heartbeat",
            "Actions",
          ]}
        >
          {list.map((g) => (
            <tr key={g.id}>
              <td>
                {onOpen ? (
                  <a
                    href={`/admin/game?id=${encodeURIComponent(g.id)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      onOpen(g.id);
                    }}
                  >
                    <code>{g.id}</code>
                  </a>
                ) : (
                  <code>{g.id}</code>
                )}
              </td>
              <td>{g.name}</td>
              <td>{g.developerName}</td>
              <td data-testid={`status-${g.id}`}>
                {g.status}
                {g.stale && (
                  <span className="stale" title="No heartbeat for GAME_STALE_SECONDS">
                    {" "}
                    · stale
                  </span>
                )}
              </td>
              <td>{g.realms.map((r) => r.name).join(", ")}</td>
              <td className="wide-only">{new Date(String(g.registeredAt)).toLocaleString()}</td>
              <td>{g.lastHeartbeatAt ? new Date(String(g.lastHeartbeatAt)).toLocaleString() : "never"}</td>
              <td className="actions">
                {g.status !== "UNREGISTERED" && (
                  <>
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`${g.status === "PAUSED" ? "Resume" : "Pause"} ${g.id}`}
                      onClick={async () => {
                        await setStatus({ id: g.id, status: g.status === "PAUSED" ? "ACTIVE" : "PAUSED" });
                      }}
                    >
                      {g.status === "PAUSED" ? "Resume" : "Pause"}
                    </button>{" "}
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Rotate key of ${g.id}`}
                      onClick={async () => {
                        const r = await rotate({ id: g.id });
                        if (r.data) {
                          setApiKey({ gameId: g.id, key: r.data.rotateGameKey.apiKey });
                          setCopied(false);
                        }
                      }}
                    >
                      Rotate key
                    </button>{" "}
                    {confirming === g.id ? (
                      <span role="group" aria-label={`Confirm unregistering ${g.id}`}>
                        Unregister <code>{g.id}</code>?{" "}
                        <button
                          type="button"
                          disabled={busy}
                          onClick={async () => {
                            await unregister({ id: g.id });
                            setConfirming(null);
                          }}
                        >
                          Yes, unregister
                        </button>{" "}
                        <button type="button" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={`Unregister ${g.id}`}
                        onClick={() => setConfirming(g.id)}
                      >
                        Unregister
                      </button>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}

      {actionError && <ErrorBox error={actionError} />}
      {apiKey && (
        <div className="key" role="status">
          <p>
            New API key for <code>{apiKey.gameId}</code>. It is shown once: copy it now.
          </p>
          <output data-testid="api-key">{apiKey.key}</output>{" "}
          <button
            type="button"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(apiKey.key);
                setCopied(true);
              } catch {
                setCopied(false); // no clipboard (e.g. plain http off localhost): select the key by hand
              }
            }}
          >
            {copied ? "Copied" : "Copy"}
          </button>{" "}
          <button type="button" onClick={() => setApiKey(null)}>
            Dismiss
          </button>
        </div>
      )}
      <h3>Register a game</h3>
      <form onSubmit={submit} aria-label="Register a game" className="grid">
        {field("id", "Game id (slug)")}
        {field("name", "Name")}
        {field("developerName", "Developer name")}
        {field("description", "Description", false)}
        {field("realmName", "First realm name")}
        {field("realmType", "Realm type")}
        {field("adjacency", "Adjacency (cluster)")}
        {field("resonance", "Resonance (theme)")}
        <button type="submit" disabled={registered.fetching}>
          {registered.fetching ? "Registering…" : "Register game"}
        </button>
      </form>
      {registered.error && <ErrorBox error={registered.error} />}
    </section>
  );
}
