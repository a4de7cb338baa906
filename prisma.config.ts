// Configuration for the Prisma CLI (generate; `migrate deploy` where Prisma's engine exists).
// The server does not read this file: it builds its own client from validated settings.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env["DATABASE_URL"] ?? "postgresql://localhost:5432/multiverse" },
});
