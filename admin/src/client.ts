import { Client, cacheExchange, fetchExchange, subscriptionExchange } from "urql";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

export const STORAGE_KEY = "multiverse.admin.credential";

export function graphqlHttpUrl(): string {
  return new URL("/graphql", window.location.origin).toString();
}

export function graphqlWsUrl(): string {
  const url = new URL("/graphql", window.location.origin);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export interface ApiError {
  code: string;
  message: string;
}

/** Checks a credential with one small query; resolves to null when the API accepts it. */
export async function verifyCredential(credential: string): Promise<ApiError | null> {
  try {
    const res = await fetch(graphqlHttpUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
      body: JSON.stringify({ query: "query SignInCheck { games { id } }" }),
    });
    const body = (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    const first = body.errors?.[0];
    if (first) return { code: first.extensions?.code ?? `HTTP_${res.status}`, message: first.message };
    if (!res.ok) return { code: `HTTP_${res.status}`, message: res.statusText };
    return null;
  } catch (error) {
    return { code: "NETWORK_ERROR", message: error instanceof Error ? error.message : String(error) };
  }
}

export interface Connection {
  client: Client;
  ws: WsClient;
  dispose(): void;
}

/**
 * One urql client for the signed-in credential: queries and mutations over HTTP POST (Apollo's
 * CSRF protection refuses GET), subscriptions over graphql-ws with the credential in
 * connectionParams. `onState` follows the WebSocket: connected / reconnecting / offline.
 */
export function connect(credential: string, onState: (state: ConnectionState) => void): Connection {
  let wasConnected = false;
  let disposed = false;
  const ws = createWsClient({
    url: graphqlWsUrl(),
    lazy: false,
    connectionParams: { authorization: `Bearer ${credential}` },
    retryAttempts: Number.POSITIVE_INFINITY,
    // 4401/4403: the credential is refused; retrying would not help.
    shouldRetry: (event) => !(event instanceof CloseEvent && (event.code === 4401 || event.code === 4403)),
    on: {
      connecting: () => onState(wasConnected ? "reconnecting" : "connecting"),
      connected: () => {
        wasConnected = true;
        onState("connected");
      },
      closed: (event) => {
        if (disposed) return;
        const refused = event instanceof CloseEvent && (event.code === 4401 || event.code === 4403);
        onState(refused || !navigator.onLine ? "offline" : "reconnecting");
      },
    },
  });
  const client = new Client({
    url: graphqlHttpUrl(),
    preferGetMethod: false,
    requestPolicy: "cache-and-network",
    fetchOptions: () => ({ headers: { authorization: `Bearer ${credential}` } }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? "" };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  const goOffline = () => onState("offline");
  window.addEventListener("offline", goOffline);
  return {
    client,
    ws,
    dispose() {
      disposed = true;
      window.removeEventListener("offline", goOffline);
      void ws.dispose();
    },
  };
}
