import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";

// The API the dev server proxies to (`npm run dev:admin`); `npm start` serves the built console itself.
const api = process.env["MULTIVERSE_API"] ?? "http://127.0.0.1:4000";

export default defineConfig({
  base: "/admin/",
  plugins: [react()],
  resolve: {
    // @multiverse/sdk/documents straight from its TypeScript sources (no SDK build needed).
    conditions: ["multiverse-source", ...defaultClientConditions],
  },
  optimizeDeps: {
    exclude: ["graphiql/setup-workers/vite", "@graphiql/react/setup-workers/vite"],
    include: ["graphql", "graphql-language-service", "vscode-languageserver-types", "nullthrows", "picomatch-browser"],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // GraphiQL (Monaco) is big; it is loaded only on its own page.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      onwarn(warning, warn) {
        // GraphiQL's React-compiler output carries "use no memo" directives; harmless when bundled.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { "/graphql": { target: api, ws: true, changeOrigin: true } },
  },
});
