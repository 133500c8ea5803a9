import { afterAll, beforeAll } from "vitest";
import { startSandbox, type RunningSandbox, type SandboxOptions } from "../../src/sandbox";

/**
 * One sandbox for the enclosing describe (or file): started in beforeAll, closed in afterAll. The
 * returned sandbox stands in for it, so a file reads `sandbox.baseUrl` wherever a test runs; read
 * before beforeAll has run (at collection time), it says so instead of giving undefined.
 */
export function useSandbox(options: SandboxOptions = {}): RunningSandbox {
  let running: RunningSandbox | undefined;
  beforeAll(async () => {
    running = await startSandbox(options);
  });
  afterAll(async () => {
    await running?.close();
    running = undefined;
  });
  const started = (): RunningSandbox => {
    if (!running)
      throw new Error("useSandbox: the sandbox starts in beforeAll; read it inside a test or a hook registered after useSandbox()");
    return running;
  };
  return {
    get baseUrl() {
      return started().baseUrl;
    },
    get controlUrl() {
      return started().controlUrl;
    },
    get provisionerToken() {
      return started().provisionerToken;
    },
    get fixture() {
      return started().fixture;
    },
    get behaviours() {
      return started().behaviours;
    },
    get rateLimit() {
      return started().rateLimit;
    },
    get instance() {
      return started().instance;
    },
    close: () => started().close(),
  };
}
