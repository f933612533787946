/**
 * The boundaries between packages, checked by `npm run deps` in `npm test` (dependency-cruiser follows the
 * workspace packages to their sources, so it sees the edges between them, which madge could not).
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make load order matter and modules hard to test alone.",
      from: {},
      to: { circular: true },
    },
    {
      name: "lib-imports-service",
      severity: "error",
      comment: "Libraries are shared by every service: they may not depend on one.",
      from: { path: "^libs/" },
      to: { path: "^services/" },
    },
    {
      name: "service-imports-service",
      severity: "error",
      comment: "Services talk over NATS and HTTP, never through each other's code: each deploys and scales alone.",
      from: { path: "^services/([^/]+)/" },
      to: { path: "^services/([^/]+)/", pathNot: "^services/$1/" },
    },
    {
      name: "contracts-without-io",
      severity: "error",
      comment: "libs/contracts is schemas and pure functions: no other workspace package, no Node I/O.",
      from: { path: "^libs/contracts/" },
      to: { path: ["^libs/(?!contracts/)", "^services/"] },
    },
    {
      name: "production-imports-testkit",
      severity: "error",
      comment: "The testkit starts servers for tests; production code never loads it.",
      from: { path: "^(libs|services)/[^/]+/src/", pathNot: ["\\.test\\.ts$", "/testing/", "^libs/testkit/"] },
      to: { path: "^libs/testkit/" },
    },
    {
      name: "sdk-runs-anywhere",
      severity: "error",
      comment: "libs/sdk is published for Node and browsers: web platform APIs only, no Node built-in module.",
      from: { path: "^libs/sdk/src/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "sdk-dependencies",
      severity: "error",
      comment:
        "libs/sdk brings no server code: of the workspace, the contracts only (its npm imports, zod alone, are " +
        "checked by libs/sdk/src/imports.test.ts, since node_modules is left out of this graph).",
      from: { path: "^libs/sdk/src/", pathNot: "\\.test\\.ts$" },
      to: { path: ["^libs/(?!contracts/|sdk/)", "^services/"] },
    },
    {
      name: "cli-on-the-sdk",
      severity: "error",
      comment: "The CLI calls the API through the SDK only, as any user of the SDK would.",
      from: { path: "^libs/cli/src/", pathNot: "\\.test\\.ts$" },
      to: { path: ["^libs/(?!cli/|sdk/)", "^services/"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["(^|/)dist/", "(^|/)node_modules/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.check.json" },
    enhancedResolveOptions: {
      conditionNames: ["source", "import", "types", "default"],
      exportsFields: ["exports"],
      extensions: [".ts", ".js", ".json"],
    },
  },
};
