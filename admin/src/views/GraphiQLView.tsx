import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { useMemo } from "react";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { graphqlHttpUrl, graphqlWsUrl } from "../client.ts";

const DEFAULT_QUERY = `# ▶ runs it (Ctrl+Enter), signed in as you.
# Subscriptions work too, e.g. in a new tab (+):
# subscription {
#   events { seq type sourceGameId data }
# }
query Universe {
  universe {
    games
    players
    currentTick
  }
}
`;

/** Bundled GraphiQL: HTTP with the signed-in credential, subscriptions over graphql-ws. */
export function GraphiQLView({ credential }: { credential: string }) {
  const fetcher = useMemo(
    () =>
      createGraphiQLFetcher({
        url: graphqlHttpUrl(),
        subscriptionUrl: graphqlWsUrl(),
        headers: { authorization: `Bearer ${credential}` },
        wsConnectionParams: { authorization: `Bearer ${credential}` },
      }),
    [credential],
  );
  return (
    <div className="graphiql">
      <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} />
    </div>
  );
}
