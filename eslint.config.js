// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const NOT_THE_CONSOLE = {
  group: ["**/admin/**", "@multiverse/admin"],
  message: "The server must not import the console.",
};
/** server/src/features/, lowest first (docs/architecture.md, "The picture"). */
const FEATURE_ORDER = ["developers", "realms", "games", "players", "rooms", "events", "universe"];
const NOT_THE_TOP = {
  regex: "(^|/)(app|main|schema)\\.ts$",
  message: "Only the top (main.ts, app.ts, schema.ts) imports the layers; nothing imports the top.",
};

const NO_DEFAULT_EXPORT = { selector: "ExportDefaultDeclaration", message: "Use named exports." };

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "server/src/generated/**",
      "**/dist/**",
      "server/.dist-*/**",
      ".data/**",
      "coverage/**",
      "reports/**",
      ".stryker-tmp/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-restricted-syntax": ["error", NO_DEFAULT_EXPORT],
    },
  },
  {
    // dependency-cruiser reads its configuration as CommonJS.
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
  },
  {
    // Config files that tools load by their default export.
    files: [
      "eslint.config.js",
      "vitest.config.ts",
      "vitest.mutation.config.ts",
      "prisma.config.ts",
      "admin/vite.config.ts",
    ],
    rules: { "no-restricted-syntax": "off" },
  },
  {
    // Production runs the server bundled into server/dist/main.js (scripts/build-server.ts), where
    // import.meta.url is the bundle's: a path computed from it would point elsewhere.
    files: ["server/src/**/*.ts"],
    ignores: ["server/src/repository.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        NO_DEFAULT_EXPORT,
        {
          selector: "MetaProperty",
          message:
            "import.meta.url is the bundle's in production: find the repository's files with repositoryPath() (server/src/repository.ts).",
        },
      ],
    },
  },
  {
    // Layers (docs/architecture.md): the SDK and the console depend on schema/ only, never on the server.
    files: ["sdk/**/*.ts", "admin/**/*.ts", "admin/**/*.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/server/**", "@multiverse/server"], message: "sdk/ and admin/ must not import the server." },
          ],
        },
      ],
    },
  },
  {
    // The server's top: main.ts, app.ts (the composition root) and schema.ts (the schema registry).
    files: ["server/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [NOT_THE_CONSOLE] }] },
  },
  {
    files: ["server/src/platform/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            NOT_THE_CONSOLE,
            {
              regex: "(^|/)features/",
              message:
                "platform/ never imports a feature: pass what it needs in (a function, a channel), or move it down.",
            },
            NOT_THE_TOP,
          ],
        },
      ],
    },
  },
  // Features import each other one way only, in this order: each may use those before it.
  ...FEATURE_ORDER.map((feature, i) => ({
    files: [`server/src/features/${feature}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            NOT_THE_CONSOLE,
            {
              regex: "(^|/)platform/http/",
              message: "Features never import http/: they see a request through its Context, whatever carried it.",
            },
            NOT_THE_TOP,
            ...(i < FEATURE_ORDER.length - 1
              ? [
                  {
                    regex: `(^|/)(${FEATURE_ORDER.slice(i + 1).join("|")})/`,
                    message: `Features import each other in one direction (${FEATURE_ORDER.join(" < ")}): ${feature}/ may use only those before it. Put the link in the later feature (docs/architecture.md).`,
                  },
                ]
              : []),
          ],
        },
      ],
    },
  })),
);
