import type { CombinedError } from "urql";

export function ErrorBox({ error }: { error: CombinedError | { code: string; message: string } }) {
  const items =
    "graphQLErrors" in error
      ? error.graphQLErrors.length > 0
        ? error.graphQLErrors.map((e) => ({ code: String(e.extensions?.["code"] ?? "ERROR"), message: e.message }))
        : [{ code: "NETWORK_ERROR", message: error.networkError?.message ?? error.message }]
      : [error];
  return (
    <div role="alert" className="error">
      {items.map((e, i) => (
        <p key={i}>
          <code>{e.code}</code> {e.message}
        </p>
      ))}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}
