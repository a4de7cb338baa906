import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** A Postgres served in-process by PGlite on a local TCP socket, so `pg` connects unchanged. */
export interface EmbeddedPostgres {
  /** A `postgresql://` URL for the socket. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts PGlite with its data under `dataDir` (in memory when `dataDir` is `memory://`) and
 * serves it on 127.0.0.1 at `port` (default 0: a free port). PGlite runs one query at a time;
 * clients should use a single connection (see db/client.ts).
 */
export async function startEmbeddedPostgres(dataDir: string, port = 0): Promise<EmbeddedPostgres> {
  if (!dataDir.startsWith("memory://")) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: 8 });
  await server.start();
  const url = `postgresql://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  return {
    url,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
