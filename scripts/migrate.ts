// `npm run db:migrate`: applies the SQL migrations in prisma/migrations to DATABASE_URL.
import { migrate, MigrationError } from "../server/src/platform/db/migrate.ts";

const url = process.env["DATABASE_URL"];
if (!url) {
  process.stderr.write("DATABASE_URL is not set. (The embedded database migrates itself when `npm start` runs.)\n");
  process.exit(1);
}
try {
  const applied = await migrate(url);
  process.stdout.write(applied.length > 0 ? `applied: ${applied.join(", ")}\n` : "the database is up to date\n");
} catch (err) {
  if (err instanceof MigrationError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
