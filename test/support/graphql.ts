/** What a GraphQL HTTP request answered. */
export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  headers: Headers;
}

/** POSTs one operation to `url` (the server's base URL) with an optional bearer credential. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  credential?: string,
): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, "status" | "headers">;
  return { status: res.status, headers: res.headers, ...body };
}

/** The `extensions.code` of the first error, or undefined when there is none. */
export const errorCode = (r: GqlResult<unknown>): unknown => r.errors?.[0]?.extensions?.["code"];

/**
 * The fixed set of `extensions.code` values (docs/errors.md), written out here rather
 * than imported from the server, so the tests check the server against the contract.
 */
export const ERROR_CODES: ReadonlySet<string> = new Set([
  "BAD_USER_INPUT",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "SERVICE_UNAVAILABLE",
  "INTERNAL_SERVER_ERROR",
]);
