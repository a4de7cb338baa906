// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "server/src/generated/**",
      "**/dist/**",
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
      "no-restricted-syntax": ["error", { selector: "ExportDefaultDeclaration", message: "Use named exports." }],
    },
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
    // Layers (README.md, "Layout"): the SDK and the console depend on schema/ only, never on the server.
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
    files: ["server/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/admin/**", "@multiverse/admin"], message: "The server must not import the console." },
          ],
        },
      ],
    },
  },
);
