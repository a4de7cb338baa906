// `npm run check:imports`: no import cycles anywhere in the server, the SDK or the console,
// type-only imports included (docs/architecture.md, "Rules the tools enforce"). The direction of
// imports between layers is ESLint's job (eslint.config.js); this finds the loops.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment: "A module must not reach itself through its imports (type-only imports count).",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["generated/", "\\.test\\.ts$", "node_modules"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js"] },
  },
};
