import type { LocalProgramArgs, LocalWorkspaceOptions, Stack } from "@pulumi/pulumi/automation";
import { describe, expect, it, vi } from "vitest";
import { PulumiEngine, explainWorkspaceError, type WorkspaceFactory } from "../../src/automation/pulumi-engine";

const TOKEN_OUTPUT = {
  id: "tok1",
  name: "cfct prod drata g1",
  key: "drata",
  platform: "drata",
  owner: { kind: "user" },
  generation: 1,
  issuedAt: "2026-11-01T00:00:00Z",
  groups: [{ name: "Zone Read", scope: "com.cloudflare.api.account.zone", id: "g1" }],
  resources: [{ "com.cloudflare.api.account.zone.abc": "*" }],
  expiresOn: "2026-12-01T00:00:00Z",
};
const OUTPUTS = { tokens: { value: { "drata-g1": TOKEN_OUTPUT }, secret: false }, tokenValues: { value: { "drata-g1": "the-secret" }, secret: true } };

function fakeStack() {
  const calls: { method: string; args: unknown[] }[] = [];
  const record = (method: string) => (...args: unknown[]) => {
    calls.push({ method, args });
  };
  const stack = {
    preview: vi.fn(async (opts: { onEvent: (e: unknown) => void }) => {
      record("preview")(opts);
      opts.onEvent({ resourcePreEvent: { metadata: { op: "create", urn: "urn:pulumi:prod::cf-compliance-tokens::cf-compliance-tokens:index:ComplianceToken$cloudflare:index/apiToken:ApiToken::drata-g2", type: "cloudflare:index/apiToken:ApiToken" } } });
      opts.onEvent({ resourcePreEvent: { metadata: { op: "create", urn: "urn:...::drata-g2", type: "cf-compliance-tokens:index:ComplianceToken" } } });
      return { stdout: "", stderr: "", changeSummary: {} };
    }),
    up: vi.fn(async (opts: unknown) => {
      record("up")(opts);
      return { stdout: "", stderr: "", summary: {}, outputs: OUTPUTS };
    }),
    outputs: vi.fn(async () => OUTPUTS),
    setConfig: vi.fn(async (...args: unknown[]) => record("setConfig")(...args)),
    destroy: vi.fn(async () => ({ stdout: "", stderr: "", summary: {} })),
    removeConfig: vi.fn(async (...args: unknown[]) => record("removeConfig")(...args)),
  };
  return { stack: stack as unknown as Stack, calls, raw: stack };
}

describe("the Pulumi engine (Automation API boundary)", () => {
  it("opens the stack with LocalWorkspace on the project directory and runs preview with the policy packs", async () => {
    const { stack, raw } = fakeStack();
    const seen: [LocalProgramArgs, LocalWorkspaceOptions][] = [];
    const workspace: WorkspaceFactory = async (args, opts) => {
      seen.push([args, opts]);
      return stack;
    };
    const engine = new PulumiEngine({ projectDir: "/repo", stack: "prod", policyPacks: ["policies"], workspace });
    const { changes } = await engine.preview();
    expect(seen).toEqual([[{ stackName: "prod", workDir: "/repo" }, { workDir: "/repo" }]]);
    expect(raw.preview.mock.calls[0]![0]).toMatchObject({ diff: true, policyPacks: ["policies"] });
    // Only token resources count as changes; the component is bookkeeping.
    expect(changes).toEqual([{ logicalName: "drata-g2", op: "create" }]);
    // Outputs are unknown before an update: no resulting tokens, so no per-token diff claims removals.
    expect((await engine.preview()).tokens).toBeUndefined();
  });

  it("reads token outputs and keeps values apart from the records", async () => {
    const { stack } = fakeStack();
    const engine = new PulumiEngine({ projectDir: "/repo", stack: "prod", workspace: async () => stack });
    const [token] = await engine.outputs();
    expect(token).toMatchObject({ logicalName: "drata-g1", key: "drata", id: "tok1", generation: 1 });
    expect(JSON.stringify(token)).not.toContain("the-secret");
    expect(await engine.tokenValue("drata-g1")).toBe("the-secret");
    const up = await engine.up();
    expect(up.tokens.map((t) => t.logicalName)).toEqual(["drata-g1"]);
  });

  it("stores generations through `pulumi config set` (which honours stackConfigDir), as JSON", async () => {
    const { stack, raw } = fakeStack();
    const engine = new PulumiEngine({ projectDir: "/repo", stack: "prod", workspace: async () => stack });
    const generations = { drata: { active: { generation: 2, issuedAt: "2026-11-01T00:00:00Z" } } };
    await engine.saveGenerations(generations);
    expect(raw.setConfig).toHaveBeenCalledWith("cf-compliance-tokens:generations", { value: JSON.stringify(generations) });
  });

  it("destroy forgets the stack's generations, so a later up issues fresh ones", async () => {
    const { stack, raw } = fakeStack();
    await new PulumiEngine({ projectDir: "/repo", stack: "prod", workspace: async () => stack }).destroy();
    expect(raw.destroy).toHaveBeenCalled();
    expect(raw.removeConfig).toHaveBeenCalledWith("cf-compliance-tokens:generations");
  });

  it("says how to install the Pulumi CLI when it is missing, and offers the rehearsal engine", async () => {
    const workspace: WorkspaceFactory = async () => {
      throw new Error("code: -2\n stdout: \n stderr: \n err?: Error: Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT");
    };
    const engine = new PulumiEngine({ projectDir: "/repo", stack: "prod", workspace });
    await expect(engine.up()).rejects.toThrow(/Pulumi CLI is not installed or not on PATH\. Fix: install it .*run `cfct sandbox` in another terminal, then `cfct up --stack <env> --engine sandbox`/);
  });

  it("without a workspace factory it uses the real LocalWorkspace, whose missing CLI is explained", async () => {
    const engine = new PulumiEngine({ projectDir: process.cwd(), stack: "dev" });
    await expect(engine.outputs()).rejects.toThrow(/Pulumi CLI is not installed|pulumi/i);
  });

  it("passes other workspace errors through unchanged", () => {
    const error = new Error("stack is locked");
    expect(explainWorkspaceError(error)).toBe(error);
  });
});
