import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { SetGameQuotasDocument } from "@multiverse/sdk/documents";
import { ErrorBox } from "../errors.tsx";

/** A game's quotas, as the API names them, with what each bounds. */
const QUOTAS = [
  ["connections", "Connections per node"],
  ["subscriptions", "Subscriptions per node"],
  ["eventsPerSecond", "Events per second"],
  ["players", "Players"],
  ["rooms", "Rooms"],
  ["storedEventBytes", "Stored event bytes"],
] as const;

type Name = (typeof QUOTAS)[number][0];
/** As the API answers them: numbers, and `storedEventBytes` an Int64 (a decimal string). */
export type Quotas = Record<Name, number | string>;

/**
 * A game's quotas and the admin's form to override them (setGameQuotas). An emptied field
 * returns that quota to the node's setting; the others are sent as they are shown.
 */
export function GameQuotasPanel({ gameId, quotas }: { gameId: string; quotas: Quotas }) {
  const shown = (q: Quotas) =>
    Object.fromEntries(QUOTAS.map(([name]) => [name, String(q[name])])) as Record<Name, string>;
  const [form, setForm] = useState(() => shown(quotas));
  const [saved, save] = useMutation(SetGameQuotasDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = (name: Name) => {
      const text = form[name].trim();
      if (text === "") return null;
      return name === "storedEventBytes" ? text : Number(text); // an Int64 goes as a decimal string
    };
    const input = Object.fromEntries(QUOTAS.map(([name]) => [name, value(name)]));
    const result = await save({ id: gameId, quotas: input });
    if (result.data) setForm(shown(result.data.setGameQuotas.quotas!));
  };

  return (
    <form onSubmit={submit} aria-label={`Quotas of ${gameId}`} className="grid">
      <p className="muted wide">
        What this game may hold or do, whatever other games do. Empty a field to return to the node&apos;s setting.
      </p>
      {QUOTAS.map(([name, label]) => (
        <label key={name}>
          {label}
          <input
            name={name}
            inputMode="numeric"
            value={form[name]}
            onChange={(e) => setForm({ ...form, [name]: e.target.value })}
          />
        </label>
      ))}
      <button type="submit" disabled={saved.fetching}>
        Save quotas
      </button>
      {saved.data && !saved.error && <span role="status"> Saved.</span>}
      {saved.error && <ErrorBox error={saved.error} />}
    </form>
  );
}
