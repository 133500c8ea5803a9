import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pulumi's runtime keeps global state (mocks, config), so every file gets its own process.
    pool: "forks",
    testTimeout: 30_000,
    // One failure of the rotation e2e suite was seen once in about twenty full runs and could not be
    // reproduced (even at 6x load). Until its cause is found, a test gets one retry so that CI does
    // not turn red on it; a real regression still fails twice.
    retry: 1,
    hookTimeout: 30_000,
  },
});
