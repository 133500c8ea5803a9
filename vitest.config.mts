import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * End-to-end files spawn processes (the built CLI, the pulumi stand-in, node scripts, git as the
 * subject), drive a browser or run whole pipelines over the sandbox: they need `npm run build` first.
 * Everything else is the `unit` project, the fast loop (`npm run test:unit`), which needs no build.
 */
const E2E = ["test/**/*.e2e.test.ts", "test/**/*.browser.test.ts"];

export default defineConfig({
  test: {
    // Pulumi's runtime keeps global state (mocks, config), so every file gets its own process.
    pool: "forks",
    // One file per core, not vitest's default of one fewer: most e2e time is spent waiting on
    // spawned CLIs and the SDK's retry backoff, and on a 2-core runner the default runs files one at a time.
    maxWorkers: availableParallelism(),
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // vi.stubEnv is undone after every test, so no file has to remember to.
    unstubEnvs: true,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...E2E] } },
      { extends: true, test: { name: "e2e", include: E2E } },
    ],
  },
});
