import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SCOPES } from "../../src/domain/permission-group";
import { readReference } from "../helpers/reference";

/** Runs the built CLI exactly as a user would after `npm ci` (npm test builds first). */
function cfct(...args: string[]) {
  const result = spawnSync(process.execPath, ["bin/cfct.js", ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("cfct plan", () => {
  it("--json prints exactly one object with the documented token shape", () => {
    const { code, stdout } = cfct("plan", "--stack", "dev", "--json", "--now", "2026-11-25T00:00:00Z");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    const { tokens } = JSON.parse(stdout);
    expect(tokens.map((t: { key: string }) => t.key)).toEqual(["drata", "ascera-417daa9d", "ascera-fca1dc08", "datadog"]);
    const [drata, ascera] = tokens;
    expect(drata).toMatchObject({
      key: "drata",
      platform: "drata",
      owner: { kind: "user" },
      name: "cfct dev drata g1",
      expiresOn: "2027-02-23T00:00:00Z",
      notBefore: null,
      allowedIps: [],
    });
    expect(drata.policies[1].permissionGroups[0]).toEqual({
      name: "Access: Apps and Policies Read",
      scope: "com.cloudflare.api.account.zone",
    });
    expect(ascera.owner).toEqual({ kind: "account", accountId: "417daa9dc1293f3af874e997f8bdce54" });
  });

  it("is byte-identical across runs with the same clock", () => {
    const a = cfct("plan", "--stack", "prod", "--json", "--now", "2026-11-25T00:00:00Z").stdout;
    const b = cfct("plan", "--stack", "prod", "--json", "--now", "2026-11-25T00:00:00Z").stdout;
    expect(a).toBe(b);
    expect(JSON.parse(a).tokens[0].allowedIps).toEqual(["203.0.113.0/24", "198.51.100.14/32"]);
  });

  it("prints a readable table by default", () => {
    const { code, stdout } = cfct("plan", "--stack", "dev");
    expect(code).toBe(0);
    expect(stdout).toContain("drata  (drata/guide, user-owned, generation 1)");
    expect(stdout).toContain("    - Zone WAF Read");
  });

  it("an ASCERA read-all connection names only read groups of Cloudflare's API list, at their scopes", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-plan-"));
    const file = path.join(dir, "Pulumi.readall.yaml");
    writeFileSync(
      file,
      "config:\n  cf-compliance-tokens:connections:\n    - platform: ascera\n      accounts: [417daa9dc1293f3af874e997f8bdce54]\n      profile: read-all\n      zones: all\n",
    );
    const { code, stdout } = cfct("plan", "--config", file, "--json", "--now", "2026-11-25T00:00:00Z");
    expect(code).toBe(0);
    const api = JSON.parse(readReference("cloudflare-permission-groups-api.json")) as {
      groups: { name: string; scopes: string[]; description: string }[];
    };
    const inApiList = new Set(api.groups.map((g) => `${g.scopes[0]} ${g.name}`));
    const planned = (JSON.parse(stdout).tokens[0].policies as { permissionGroups: { name: string; scope: string }[] }[]).flatMap(
      (p) => p.permissionGroups,
    );
    expect(planned).toHaveLength(145);
    expect(planned.filter((g) => !inApiList.has(`${g.scope} ${g.name}`))).toEqual([]);
    expect(planned.filter((g) => g.scope !== SCOPES.account && g.scope !== SCOPES.zone)).toEqual([]);
    expect(planned.map((g) => g.name)).toEqual(
      expect.arrayContaining(["Cache Settings Read", "Turnstile Sites Read", "Zone Transform Rules Read", "Domain Page Shield Read"]),
    );
    expect(planned.map((g) => g.name)).not.toContain("Cache Rules Read");
  });

  it("exits 1 with an actionable message on bad config, printing nothing on stdout", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-plan-"));
    const file = path.join(dir, "Pulumi.bad.yaml");
    writeFileSync(file, "config:\n  cf-compliance-tokens:connections:\n    - platform: vanta\n      accounts: [abc]\n");
    const { code, stdout, stderr } = cfct("plan", "--config", file);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      'cf-compliance-tokens:connections[0].platform = "vanta": is not a known platform. Fix: use one of ascera, conductorone, conductorone-zero-trust, datadog, drata',
    );
    expect(stderr).toContain('cf-compliance-tokens:connections[0].accounts[0] = "abc"');
  });

  it("never prints a secret written under an unknown key, and names the key", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-plan-"));
    const file = path.join(dir, "Pulumi.leak.yaml");
    const canary = "cfsbx_LEAKCANARY0123456789abcdef0123456789";
    writeFileSync(
      file,
      "config:\n" +
        `  cf-compliance-tokens:webhookSecret: ${canary}\n` +
        "  cf-compliance-tokens:connections:\n" +
        "    - platform: drata\n" +
        "      accounts: [417daa9dc1293f3af874e997f8bdce54]\n" +
        "      zones: [example.com]\n" +
        `      apiToken: ${canary}\n`,
    );
    const { code, stdout, stderr } = cfct("plan", "--config", file);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('cf-compliance-tokens:connections[0].apiToken = (not shown): is an unknown key "apiToken"');
    expect(stderr).toContain('cf-compliance-tokens:webhookSecret = (not shown): is an unknown key "webhookSecret"');
    expect(stderr).not.toContain("LEAKCANARY");
  });

  it("exits 1 and says how to choose a stack when given none", () => {
    const { code, stderr } = cfct("plan");
    expect(code).toBe(1);
    expect(stderr).toMatch(/--stack <env>/);
  });
});
