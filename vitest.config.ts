import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["libs/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "test/**/*.test.ts"],
    // One embedded PostgreSQL per run for FerretDB (PG_URL in the workers' environment).
    globalSetup: ["libs/testkit/src/vitest-global-setup.ts"],
    pool: "forks",
    // Two cores: suites that start servers run two at a time at most.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: ["default"],
  },
});
