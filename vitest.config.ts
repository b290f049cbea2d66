import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/harness/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two workers on PGlite (328 s instead of ~700 s for the whole suite here). On PostgreSQL one:
    // the fault suite terminates backends and restarts clusters, and shares the server with the
    // file that runs beside it.
    maxWorkers: process.env.TEST_DATABASE_URL ? 1 : 2,
    minWorkers: 1,
  },
});
