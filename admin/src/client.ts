import {
  createMultiverseClient,
  isFatalClose,
  isMultiverseError,
  type ConnectionState as SocketState,
  type MultiverseClient,
} from "@multiverse/sdk";
import { Client, cacheExchange, fetchExchange, subscriptionExchange, type SubscriptionForwarder } from "urql";

/**
 * What the header's pill shows: the SDK's connection state, with its `closed` told apart by why
 * (see `shownState`).
 */
export type ConnectionState = Exclude<SocketState, "closed"> | "idle" | "offline";

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

/**
 * The SDK's state as the pill says it. The SDK opens its socket with the first subscription and
 * closes it after the last, so `closed` mostly means that no view is live (`idle`); it is
 * `offline` when the server refused the credential (a fatal close, which the SDK does not retry)
 * or the browser is offline.
 */
function shownState(state: SocketState, closeCode: number | undefined, online: boolean): ConnectionState {
  if (!online) return "offline";
  if (state !== "closed") return state;
  return closeCode !== undefined && isFatalClose(closeCode) ? "offline" : "idle";
}

/**
 * urql's subscriptions, run by the SDK's `client.subscribe`: on the SDK's one socket, which
 * reconnects with backoff and resubscribes (`events` with `since` = the last seq received, so a
 * reconnect neither loses nor repeats an event).
 */
function forwardTo(mv: MultiverseClient): SubscriptionForwarder {
  return (request) => ({
    subscribe(sink) {
      const live = mv.subscribe({
        query: request.query ?? "",
        operationName: request.operationName,
        variables: request.variables,
      });
      void (async () => {
        try {
          for await (const data of live) sink.next({ data });
          sink.complete();
        } catch (error) {
          sink.error(forUrql(error));
        }
      })();
      return { unsubscribe: () => live.stop() };
    },
  });
}

/**
 * What ended a subscription, as urql takes it: an array becomes GraphQL errors (so the views show
 * their `extensions.code`, `UNAUTHENTICATED` for a refused credential too), anything else a
 * network error.
 */
function forUrql(error: unknown): unknown {
  if (!isMultiverseError(error) || error.kind !== "graphql") return error;
  if (error.graphQLErrors.length > 0) return error.graphQLErrors;
  return [{ message: error.message, extensions: { code: error.code } }];
}

export interface Connection {
  client: Client;
  dispose(): void;
}

/**
 * One urql client for the signed-in credential: queries and mutations over HTTP POST (Apollo's
 * CSRF protection refuses GET), subscriptions through the SDK's client (its socket carries the
 * credential in connectionParams). `onState` follows the SDK's connection (see `shownState`).
 */
export function connect(credential: string, onState: (state: ConnectionState) => void): Connection {
  // The console takes an admin token or a developer key; the SDK sends either the same way
  // (`Authorization: Bearer …`, and in connectionParams).
  const mv = createMultiverseClient({ url: graphqlHttpUrl(), adminToken: credential });
  let closeCode: number | undefined;
  const show = () => onState(shownState(mv.connection.state, closeCode, navigator.onLine));
  const stopWatching = mv.connection.onChange((change) => {
    closeCode = change.state === "closed" ? change.closeCode : undefined;
    show();
  });
  show();
  const client = new Client({
    url: graphqlHttpUrl(),
    preferGetMethod: false,
    requestPolicy: "cache-and-network",
    fetchOptions: () => ({ headers: { authorization: `Bearer ${credential}` } }),
    exchanges: [cacheExchange, fetchExchange, subscriptionExchange({ forwardSubscription: forwardTo(mv) })],
  });
  window.addEventListener("offline", show);
  window.addEventListener("online", show);
  return {
    client,
    dispose() {
      stopWatching();
      window.removeEventListener("offline", show);
      window.removeEventListener("online", show);
      void mv.close();
    },
  };
}
