import type { ReactNode } from "react";
import type { EventFragment } from "@multiverse/sdk/documents";
import { Table } from "../Table.tsx";

/**
 * Where an event went: everyone; a room or a player (and the game they are in); or the games it
 * reached (and the realm selector that chose them).
 */
function recipients(e: EventFragment): ReactNode {
  if (e.broadcast) return "everyone";
  const games = e.recipientGameIds.join(", ") || "no game";
  if (e.targetRoomId) {
    return (
      <>
        room <code>{e.targetRoomId}</code> ({games})
      </>
    );
  }
  if (e.targetPlayerId) {
    return (
      <>
        player <code>{e.targetPlayerId}</code> ({games})
      </>
    );
  }
  if (!e.targetRealm) return games;
  const selector = Object.entries(e.targetRealm)
    .filter(([key, value]) => key !== "__typename" && value)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(" ");
  return `${games} (realm ${selector})`;
}

/** Who sent an event: a player of a game (with its token), a game, or the admin. */
function source(e: EventFragment): ReactNode {
  if (e.sourcePlayerId) {
    return (
      <>
        player <code>{e.sourcePlayerId}</code> ({e.sourceGameId})
      </>
    );
  }
  return e.sourceGameId ?? "admin";
}

/** Events as a table, in the order given. */
export function EventTable({ events, testId }: { events: readonly EventFragment[]; testId: string }) {
  return (
    <Table columns={["Seq", "Type", "From", "To", "Tick", "Delivered", "Data"]} testId={testId}>
      {events.map((e) => (
        <tr key={e.id}>
          <td>{String(e.seq ?? "")}</td>
          <td>
            <code className="event-type">{e.type}</code>
          </td>
          <td>{source(e)}</td>
          <td>{recipients(e)}</td>
          <td>{e.tick ?? ""}</td>
          <td>{e.deliveredAt ? new Date(String(e.deliveredAt)).toLocaleTimeString() : e.status}</td>
          <td>
            <code>{JSON.stringify(e.data)}</code>
          </td>
        </tr>
      ))}
    </Table>
  );
}
