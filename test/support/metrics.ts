/** The value of metric `name` (the first series, whatever its labels) on `baseUrl`'s `/metrics`. */
export async function metricValue(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  if (!m) throw new Error(`${name} is not in /metrics`);
  return Number(m[1]);
}

/** How many SQL statements the server at `baseUrl` sent to Postgres while `fn` ran. */
export async function dbQueriesDuring(baseUrl: string, fn: () => Promise<unknown>): Promise<number> {
  const before = await metricValue(baseUrl, "multiverse_db_queries_total");
  await fn();
  return (await metricValue(baseUrl, "multiverse_db_queries_total")) - before;
}
