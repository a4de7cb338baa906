import type { CodegenConfig } from "@graphql-codegen/cli";
import { fileURLToPath } from "node:url";
import type { MethodsPluginConfig } from "./methods-plugin.ts";

/** The plugin that writes one client method per operation (a file path: codegen loads it by path). */
const methodsPlugin = fileURLToPath(new URL("./methods-plugin.ts", import.meta.url));

/** How GraphQL types map to TypeScript; every scalar is listed (`strictScalars`). */
const scalars = {
  ID: "string",
  /** 64-bit integers (`seq`, tick numbers, versions) travel as decimal strings. */
  Int64: "string",
  /** ISO-8601 UTC strings. */
  DateTime: "string",
  JSON: "unknown",
};

const methods: MethodsPluginConfig = {
  resume: { Events: { argument: "since", cursor: "seq" } },
  internal: ["sdk/operations/internal.graphql"],
};

/**
 * The SDK's codegen, run from the repository root by `npm run codegen` (sdk/codegen/run.ts):
 * types and typed documents for every operation in sdk/operations/, and the client's methods.
 */
export const config: CodegenConfig = {
  schema: "schema/schema.graphql",
  documents: ["sdk/operations/*.graphql"],
  silent: true,
  generates: {
    "sdk/src/generated/graphql.ts": {
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        useTypeImports: true,
        skipTypename: true,
        enumType: "string-literal",
        scalars,
        strictScalars: true,
      },
    },
    "sdk/src/generated/operations.ts": {
      plugins: [{ [methodsPlugin]: methods }],
    },
  },
};
