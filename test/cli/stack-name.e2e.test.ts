import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CloudflareClient } from "../../src/cloudflare/client";
import { stackNameProblem } from "../../src/config/stack-name";
import { RehearsalEngine } from "../../src/rehearsal/rehearsal-engine";

/** The built CLI, as a user runs it (npm test builds first). */
function cfct(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve("bin/cfct.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CLOUDFLARE_API_TOKEN: "x" },
  });
  return { code: result.status, stderr: result.stderr };
}

describe("--stack is a stack name by Pulumi's rules, never a path", () => {
  it.each(["dev", "prod-eu_1.2", "acme/prod", "acme/cf-compliance-tokens/prod"])("accepts %s", (name) => {
    expect(stackNameProblem(name)).toBeUndefined();
  });

  it.each([
    ["/../../x", /not a path/],
    ["../x", /'\.\.' is not allowed/],
    ["acme/../prod", /'\.\.' is not allowed/],
    [".", /'\.' is not allowed/],
    ["acme//prod", /no empty parts/],
    ["acme/prod/", /no empty parts/],
    ["a/b/c/d", /at most three parts/],
    ["dev stack", /may contain only letters, digits/],
    ["dev\\..\\x", /may contain only/],
    ["C:\\stacks\\dev", /not a path/],
    ["", /is required/],
    ["x".repeat(101), /at most 100 characters/],
  ])("refuses %j", (name, reason) => {
    expect(stackNameProblem(name)).toMatch(reason);
  });

  it.each([["up", "--engine", "sandbox"], ["destroy"], ["plan"]])(
    "cfct %s refuses a path as --stack with exit 1, before reading or writing anything",
    (...command) => {
      const project = mkdtempSync(path.join(tmpdir(), "cfct-stackname-"));
      const { code, stderr } = cfct(project, ...command, "--stack", "/../../x", "--project-dir", project);
      expect(code).toBe(1);
      expect(stderr).toMatch(/a stack name is not a path .*Fix: pass the stack's name, e\.g\. --stack dev/);
      expect(existsSync(path.join(project, ".cfct"))).toBe(false);
      expect(existsSync(path.join(project, "evidence"))).toBe(false);
    },
  );

  it("the rehearsal engine refuses one too, for callers that bypass the CLI", () => {
    const project = mkdtempSync(path.join(tmpdir(), "cfct-stackname-"));
    const engine = (stack: string) =>
      new RehearsalEngine({ projectDir: project, stack, client: {} as CloudflareClient, now: async () => new Date() });
    expect(() => engine("../../x")).toThrow(/stack "\.\.\/\.\.\/x": '\.\.' is not allowed in a stack name/);
    expect(() => engine("acme/dev")).not.toThrow();
    expect(existsSync(path.join(project, ".cfct"))).toBe(false);
  });
});
