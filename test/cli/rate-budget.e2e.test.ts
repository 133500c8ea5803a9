import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DOCUMENTED_BUDGET } from "../../src/cloudflare/pacing";
import { pipelineFor, type EngineOptions } from "../../src/cli/engine-options";
import { ACME_CORP, testProject } from "../helpers/pipeline";

// Every principal's budget for a command: --rate-budget, else the stack's rateBudget, else Cloudflare's documented 1200/300.

const TOKEN_ENV = "CFCT_TEST_RATE_BUDGET_TOKEN";

function budgetOf(config: Record<string, unknown>, flag?: EngineOptions["rateBudget"]) {
  const project = testProject("budget");
  project.writeConfig({ connections: [{ platform: "ascera", accounts: [ACME_CORP] }], ...config });
  process.env[TOKEN_ENV] = "provisioner-of-this-test-0123456789abcdef";
  const options: EngineOptions = {
    stack: project.stack,
    engine: "sandbox",
    apiBase: "http://127.0.0.1:9/client/v4",
    provisionerTokenEnv: TOKEN_ENV,
    evidenceDir: path.join(project.dir, "evidence"),
    projectDir: project.dir,
    ...(flag ? { rateBudget: flag } : {}),
  };
  return pipelineFor(options, () => undefined).budgets.budget;
}

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
