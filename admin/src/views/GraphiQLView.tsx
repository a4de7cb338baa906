import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { useMemo } from "react";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { graphqlHttpUrl, graphqlWsUrl } from "../client.ts";

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
      <GraphiQL
        fetcher={fetcher}
        defaultQuery={"query Universe {\n  universe {\n    games\n    players\n    currentTick\n  }\n}\n"}
      />
    </div>
  );
}
