import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { policies } from "../../policies/rules";
import { loadSettingsFile } from "../../src/config/stack-file";
import { diffPlans, type PlannedSide } from "../../src/diff/plan-diff";
import { policyVerdict } from "../../src/diff/policy-verdict";
import { plan } from "../../src/plan/plan";
import { SCOPES } from "../../src/domain/permission-group";
import { cfct } from "../helpers/cli-run";
import { ACME_CORP } from "../helpers/settings";
import { ACME_SIEM } from "../helpers/platforms";

const NOW = new Date("2026-12-07T00:00:00Z");
const dir = mkdtempSync(path.join(tmpdir(), "cfct-diff-platforms-"));

/** A stack file with this project's keys; returns its path. */
function stackFile(name: string, config: Record<string, unknown>): string {
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(file, stringify({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`cf-compliance-tokens:${k}`, v])) }));
  return file;
}

const drata = { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] };
/** What the pack's other rules ask of a prod token (30 days at most, an IP filter), so only read-only can fail. */
const prodToken = { ttlDays: 30, allowedIps: ["203.0.113.0/24"] };
const BASE = stackFile("base", { token: prodToken, connections: [drata] });
const HEAD = stackFile("head", {
  token: prodToken,
  platforms: { "acme-siem": ACME_SIEM },
  connections: [drata, { platform: "acme-siem", accounts: [ACME_CORP] }],
});
const side = (file: string): PlannedSide => {
  const settings = loadSettingsFile(file, "prod");
  return { settings, tokens: plan(settings, undefined, NOW) };
};

describe("cfct diff with a platform the stack file defines", () => {
  it("shows the new connection's token and its write group as not read-only; the pack fails it unless its config names it", async () => {
    const head = side(HEAD);
    const [siem] = diffPlans(side(BASE), head).filter((c) => c.connection === "acme-siem");
    expect(siem).toMatchObject({ change: "added", tokens: { added: ["cfct prod acme-siem-417daa9d g1"] } });
    expect(siem!.groups.added).toEqual([
      { name: "Account Settings Read", scope: SCOPES.account, read: true },
      { name: "Logs Write", scope: SCOPES.account, read: false },
    ]);

    const strict = await policyVerdict(policies, "prod", head.tokens);
    expect(strict.violations.filter((v) => v.level === "mandatory").map((v) => [v.policy, v.token])).toEqual([
      ["read-only", "acme-siem-417daa9d-g1"],
    ]);
    const allowed = await policyVerdict(policies, "prod", head.tokens, { "read-only": { allowWrite: { "acme-siem": ["Logs Write"] } } });
    expect(allowed.violations.filter((v) => v.policy === "read-only")).toEqual([]);
    const disabled = await policyVerdict(policies, "prod", head.tokens, { "read-only": "disabled" });
    expect(disabled.ran).not.toContain("read-only");
  });

  it("from the CLI: --policy-pack-config is the pack config pulumi preview would get", { timeout: 120_000 }, async () => {
    const config = path.join(dir, "pack.json");
    writeFileSync(config, JSON.stringify({ "read-only": { allowWrite: { "acme-siem": ["Logs Write"] } } }));
    const args = ["diff", "--stack", "prod", "--config", HEAD, "--base-file", BASE, "--json"];
    const strict = await cfct(args, { CLOUDFLARE_API_TOKEN: undefined });
    expect(strict.code).toBe(2);
    expect(JSON.parse(strict.stdout).verdict.passes).toBe(false);
    const allowed = await cfct([...args, "--policy-pack-config", config], { CLOUDFLARE_API_TOKEN: undefined });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout).verdict.violations.filter((v: { policy: string }) => v.policy === "read-only")).toEqual([]);
    const missing = await cfct([...args, "--policy-pack-config", path.join(dir, "nope.json")], { CLOUDFLARE_API_TOKEN: undefined });
    expect(missing).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--policy-pack-config .*nope\.json: cannot read it as JSON \(ENOENT.*\)\. Fix:/),
    });
  });
});
