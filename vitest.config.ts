import { globSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

const TESTS = ["libs/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "test/**/*.test.ts"];
/**
 * A test file that names one of these starts servers (nats-server, FerretDB, service processes), directly, through
 * a harness or through `npm run dev` (spawnDev): it is an integration test. Every other file is a unit test. The
 * testkit refuses to start a server in the unit project (TESTKIT_NO_SERVERS), so a file sorted wrongly fails there by
 * name instead of slowing it down.
 */
const STARTS_SERVERS =
  /\b(startNats|startMongo|spawnService|startServiceProcess|startServiceHarness|startTestServers|startHarness|startStack|startServices|runSuite|spawnDev)\b|harness\.js|stack\.js/;
const files = TESTS.flatMap((pattern) => globSync(pattern)).sort();
const unit = files.filter((file) => !STARTS_SERVERS.test(readFileSync(file, "utf8")));
const integration = files.filter((file) => !unit.includes(file));

const resolve = { conditions: ["source"] };
const shared = { pool: "forks", testTimeout: 60_000, hookTimeout: 90_000 } as const;

export default defineConfig({
  resolve,
  ssr: { resolve },
  test: {
    // Two cores: suites that start servers run two at a time at most.
    maxWorkers: 2,
    reporters: ["default"],
    projects: [
      {
        resolve,
        ssr: { resolve },
        test: { ...shared, name: "unit", include: unit, env: { TESTKIT_NO_SERVERS: "1" } },
      },
      {
        resolve,
        ssr: { resolve },
        test: {
          ...shared,
          name: "integration",
          include: integration,
          // One embedded PostgreSQL per run for FerretDB (PG_URL in the workers' environment).
          globalSetup: ["libs/testkit/src/vitest-global-setup.ts"],
          // The service processes tests spawn share two cores with the test runner: a fresh gateway would shed its
          // first requests for an event-loop delay the tests' own load causes. load-shedding.test.ts sets its own.
          env: { SHED_EVENT_LOOP_DELAY_MS: "0" },
        },
      },
    ],
  },
});
