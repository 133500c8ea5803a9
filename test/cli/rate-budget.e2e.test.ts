import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DOCUMENTED_BUDGET } from "../../src/cloudflare/pacing";
import { pipelineFor, type EngineOptions } from "../../src/cli/engine-options";
import { announce, announcementFile } from "../../src/sandbox/announcement";
import { ACME_CORP, testProject } from "../helpers/pipeline";

// Every principal's budget for a command: --rate-budget, else the stack's rateBudget, else Cloudflare's documented 1200/300.

function budgetOf(config: Record<string, unknown>, flag?: EngineOptions["rateBudget"]) {
  const project = testProject("budget");
  project.writeConfig({ connections: [{ platform: "ascera", accounts: [ACME_CORP] }], ...config });
  const apiBase = "http://127.0.0.1:9/client/v4";
  const options: EngineOptions = {
    stack: project.stack,
    engine: "sandbox",
    apiBase,
    provisionerTokenEnv: "CLOUDFLARE_API_TOKEN",
    evidenceDir: path.join(project.dir, "evidence"),
    projectDir: project.dir,
    ...(flag ? { rateBudget: flag } : {}),
  };
  // The sandbox as resolveApiTarget finds it: announced in this project's HOME (no sandbox listens: nothing is called).
  announce(
    {
      baseUrl: apiBase,
      controlUrl: "http://127.0.0.1:9/__sandbox",
      controlToken: "control-of-this-test",
      provisionerToken: "provisioner-of-this-test-0123456789abcdef",
      pid: process.pid,
    },
    announcementFile(project.home),
  );
  vi.stubEnv("HOME", project.home);
  return pipelineFor(options, () => undefined).budgets.budget;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the rate budget a command paces by", () => {
  it("is Cloudflare's documented budget unless told otherwise", () => {
    expect(budgetOf({})).toEqual(DOCUMENTED_BUDGET);
  });

  it("is the stack's rateBudget, and --rate-budget over it", () => {
    expect(budgetOf({ rateBudget: "4000/300" })).toEqual({ requests: 4000, windowSeconds: 300 });
    expect(budgetOf({ rateBudget: "4000/300" }, { requests: 600, windowSeconds: 300 })).toEqual({ requests: 600, windowSeconds: 300 });
  });

  it("a stack rateBudget that is not one stops the command before any call, naming the key and the fix", () => {
    expect(() => budgetOf({ rateBudget: "as fast as possible" })).toThrow(
      /cf-compliance-tokens:rateBudget = "as fast as possible": is not <requests>\/<seconds>\. Fix: e\.g\. 1200\/300/,
    );
  });

  it("a bad --rate-budget is a usage error (exit 1) naming the flag and the fix", () => {
    const result = spawnSync(process.execPath, [path.resolve("bin/cfct.js"), "up", "--stack", "dev", "--rate-budget", "600 per 5 min"], {
      encoding: "utf8",
      env: { ...process.env, CLOUDFLARE_API_TOKEN: "x" },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/--rate-budget "600 per 5 min" is not <requests>\/<seconds>\. Fix: e\.g\. 1200\/300/);
  });
});
