import { afterAll, beforeAll } from "vitest";
import { startSandbox, type RunningSandbox, type SandboxOptions } from "../../src/sandbox";
import { announce, announcementFile, type SandboxAnnouncement } from "../../src/sandbox/announcement";

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
    get control() {
      return started().control;
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

/**
 * Records an in-process sandbox in `home`'s ~/.cfct/sandbox.json as `cfct sandbox` records itself
 * (this test process, alive, is its pid), so a CLI run with that HOME finds it and its credentials.
 * `provisionerToken`: a lesser credential of that sandbox to rehearse with instead of the fixture's.
 */
export function announceSandbox(
  sandbox: RunningSandbox,
  home: string,
  provisionerToken: string = sandbox.provisionerToken,
): SandboxAnnouncement {
  const entry = {
    baseUrl: sandbox.baseUrl,
    controlUrl: sandbox.control.url,
    controlToken: sandbox.control.token,
    provisionerToken,
    pid: process.pid,
  };
  announce(entry, announcementFile(home));
  return entry;
}
