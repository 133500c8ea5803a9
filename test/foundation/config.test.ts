import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/schema";
import { loadSettingsFile } from "../../src/config/stack-file";
import { ACME_CORP, ACME_LABS, settingsFrom } from "../helpers/settings";

function problemsOf(raw: unknown): { path: string; value: unknown; message: string }[] {
  try {
    settingsFrom(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error("expected the config to be rejected");
}

const drata = (extra: Record<string, unknown> = {}) => ({ platform: "drata", accounts: [ACME_CORP], zones: ["example.com"], ...extra });

describe("stack config rejections name the key, the value and the fix", () => {
  it.each([
    {
      what: "unknown platform lists the known ones",
      raw: { connections: [{ platform: "vanta", accounts: [ACME_CORP] }] },
      path: "cf-compliance-tokens:connections[0].platform",
      value: "vanta",
      fix: /one of ascera, drata/,
    },
    {
      what: "zone name that is not a hostname",
      raw: { connections: [drata({ zones: ["not a zone"] })] },
      path: "cf-compliance-tokens:connections[0].zones[0]",
      value: "not a zone",
      fix: /neither a zone ID .* nor a zone name .*Fix:/,
    },
    {
      what: "IP that is not a CIDR",
      raw: { connections: [drata()], token: { allowedIps: ["203.0.113.7"] } },
      path: "cf-compliance-tokens:token.allowedIps[0]",
      value: "203.0.113.7",
      fix: /203\.0\.113\.7\/32/,
    },
    {
      what: "ttlDays too long",
      raw: { connections: [drata({ token: { ttlDays: 400 } })] },
      path: "cf-compliance-tokens:connections[0].token.ttlDays",
      value: 400,
      fix: /1\.\.365 days/,
    },
    {
      what: "ttlDays zero",
      raw: { connections: [drata()], token: { ttlDays: 0 } },
      path: "cf-compliance-tokens:token.ttlDays",
      value: 0,
      fix: /1\.\.365 days/,
    },
    {
      what: "zones on a profile that reads no zones",
      raw: { connections: [{ platform: "ascera", accounts: [ACME_CORP], zones: "all" }] },
      path: "cf-compliance-tokens:connections[0].zones",
      value: "all",
      fix: /reads no zones.*remove zones or set profile: read-all/,
    },
    {
      what: "duplicate connection names (defaults included)",
      raw: { connections: [drata(), drata({ accounts: [ACME_LABS] })] },
      path: "cf-compliance-tokens:connections[1].name",
      value: "drata",
      fix: /distinct name/,
    },
    {
      what: "unknown profile lists the platform's profiles",
      raw: { connections: [{ platform: "ascera", accounts: [ACME_CORP], profile: "everything" }] },
      path: "cf-compliance-tokens:connections[0].profile",
      value: "everything",
      fix: /least-privilege, read-all/,
    },
    {
      what: "a zone-reading platform without zones",
      raw: { connections: [{ platform: "drata", accounts: [ACME_CORP] }] },
      path: "cf-compliance-tokens:connections[0].zones",
      value: undefined,
      fix: /zones: all/,
    },
    {
      what: "account ID that is not 32 hex",
      raw: { connections: [drata({ accounts: ["Acme Corp"] })] },
      path: "cf-compliance-tokens:connections[0].accounts[0]",
      value: "Acme Corp",
      fix: /Copy account ID/,
    },
    {
      what: "explicit zones with several accounts on an account-owned platform",
      raw: { connections: [{ platform: "ascera", profile: "read-all", accounts: [ACME_CORP, ACME_LABS], zones: ["example.com"] }] },
      path: "cf-compliance-tokens:connections[0].zones",
      value: ["example.com"],
      fix: /one connection per account/,
    },
    {
      what: "a misspelt key",
      raw: { connections: [drata({ zone: ["example.com"] })] },
      path: "cf-compliance-tokens:connections[0]",
      value: undefined,
      fix: /unknown key "zone"/,
    },
  ])("$what", ({ raw, path, value, fix }) => {
    const problems = problemsOf(raw);
    const problem = problems.find((p) => p.path === path);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    if (value !== undefined) expect(problem!.value).toEqual(value);
    expect(problem!.message).toMatch(fix);
  });

  it("reports every problem at once, and the error text carries path, value and fix", () => {
    const raw = { connections: [drata({ zones: ["bad zone"] })], token: { ttlDays: 999, deniedIps: ["10.0.0.0/33"] } };
    const problems = problemsOf(raw);
    expect(problems.map((p) => p.path).sort()).toEqual([
      "cf-compliance-tokens:connections[0].zones[0]",
      "cf-compliance-tokens:token.deniedIps[0]",
      "cf-compliance-tokens:token.ttlDays",
    ]);
    try {
      settingsFrom(raw);
    } catch (error) {
      expect((error as Error).message).toContain('cf-compliance-tokens:token.deniedIps[0] = "10.0.0.0/33": is not a CIDR. Fix:');
    }
  });

  it("applies defaults: name from platform, default profile, token defaults overridden per connection", () => {
    const settings = settingsFrom({
      connections: [drata({ token: { ttlDays: 30 } }), { platform: "ascera", accounts: [ACME_CORP] }],
      token: { allowedIps: ["203.0.113.0/24"] },
    });
    expect(settings.tokenNamePrefix).toBe("cfct");
    expect(settings.connections.map((c) => [c.name, c.profile, c.token.ttlDays, c.token.allowedIps])).toEqual([
      ["drata", "guide", 30, ["203.0.113.0/24"]],
      ["ascera", "least-privilege", 90, ["203.0.113.0/24"]],
    ]);
  });

  it("a missing stack file names the file and the fix", () => {
    expect(() => loadSettingsFile("stacks/Pulumi.nope.yaml")).toThrow(/does not exist\. Fix: create it, or pass --stack/);
  });

  it("the shipped dev and prod stacks are valid", () => {
    expect(loadSettingsFile("stacks/Pulumi.dev.yaml").connections).toHaveLength(2);
    const prod = loadSettingsFile("stacks/Pulumi.prod.yaml");
    expect(prod.stack).toBe("prod");
    expect(prod.connections.every((c) => c.token.ttlDays === 30)).toBe(true);
    expect(prod.connections[0]!.token.allowedIps.length).toBeGreaterThan(0);
  });
});
