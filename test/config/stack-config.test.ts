import { describe, expect, it } from "vitest";
import { ConfigError, formatValue } from "../../src/config/schema";
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
      fix: /is not a known platform\. Fix: use one of ascera, .*drata.*, or define it under cf-compliance-tokens:platforms/,
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
      path: "cf-compliance-tokens:connections[0].zone",
      value: undefined,
      fix: /unknown key "zone"/,
    },
    {
      what: "a registrar kind that does not exist",
      raw: { connections: [drata({ registration: { kind: "api" } })] },
      path: "cf-compliance-tokens:connections[0].registration.kind",
      value: "api",
      fix: /is not a registrar\. Fix: use kind: handoff \(the default\), kind: webhook or kind: datadog/,
    },
    {
      what: "a webhook over plain http to a remote host",
      raw: {
        connections: [
          drata({ registration: { kind: "webhook", url: "http://bridge.example.com/cfct", secretEnv: "CFCT_WEBHOOK_SECRET" } }),
        ],
      },
      path: "cf-compliance-tokens:connections[0].registration.url",
      value: "http://bridge.example.com/cfct",
      fix: /plain http to bridge\.example\.com.*Fix: use https \(http is allowed only for localhost, 127\.0\.0\.1 or \[::1\]\)/,
    },
    {
      what: "a webhook without secretEnv",
      raw: { connections: [drata({ registration: { kind: "webhook", url: "https://bridge.example.com/cfct" } })] },
      path: "cf-compliance-tokens:connections[0].registration.secretEnv",
      value: undefined,
      fix: /is required\. Fix: name the environment variable that holds the secret, e\.g\. CFCT_WEBHOOK_SECRET/,
    },
    {
      what: "a webhook timeout out of range",
      raw: {
        connections: [drata({ registration: { kind: "webhook", url: "https://bridge.example.com/cfct", secretEnv: "S", timeoutMs: 50 } })],
      },
      path: "cf-compliance-tokens:connections[0].registration.timeoutMs",
      value: 50,
      fix: /100\.\.120000 ms/,
    },
    {
      what: "drataStatus on a platform other than Drata",
      raw: {
        connections: [
          { platform: "ascera", accounts: [ACME_CORP], registration: { kind: "handoff", drataStatus: { apiKeyEnv: "DRATA_API_KEY" } } },
        ],
      },
      path: "cf-compliance-tokens:connections[0].registration.drataStatus",
      value: { apiKeyEnv: "DRATA_API_KEY" },
      fix: /platform is ascera\. Fix: remove drataStatus here; it is allowed only on drata connections/,
    },
    {
      what: "a drataStatus base URL that is not https",
      raw: {
        connections: [
          drata({ registration: { kind: "handoff", drataStatus: { apiKeyEnv: "DRATA_API_KEY", baseUrl: "http://public-api.drata.com" } } }),
        ],
      },
      path: "cf-compliance-tokens:connections[0].registration.drataStatus.baseUrl",
      value: "http://public-api.drata.com",
      fix: /Fix: use https/,
    },
    {
      what: "an empty hand-off dir",
      raw: { connections: [drata({ registration: { kind: "handoff", dir: "" } })] },
      path: "cf-compliance-tokens:connections[0].registration.dir",
      value: "",
      fix: /Fix: remove dir to use the default/,
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

  it("registration defaults to a hand-off sheet and carries webhook and Drata status settings through", () => {
    const settings = settingsFrom({
      connections: [
        drata({
          registration: {
            kind: "webhook",
            url: "http://127.0.0.1:8787/cfct",
            secretEnv: "CFCT_WEBHOOK_SECRET",
            drataStatus: { apiKeyEnv: "DRATA_API_KEY" },
          },
        }),
        { platform: "ascera", accounts: [ACME_CORP] },
      ],
    });
    expect(settings.connections.map((c) => c.registration)).toEqual([
      { kind: "webhook", url: "http://127.0.0.1:8787/cfct", secretEnv: "CFCT_WEBHOOK_SECRET", drataStatus: { apiKeyEnv: "DRATA_API_KEY" } },
      { kind: "handoff" },
    ]);
  });

  it("a secret pasted into registration config is rejected without being echoed", () => {
    const secret = "s3cr3t-4f9a1c2e7b3d5f60a8e2c4b6d8f0a1b3";
    const raw = {
      connections: [
        drata({
          registration: { kind: "webhook", url: `https://user:${secret}@bridge.example.com/cfct`, secretEnv: secret, hmacSecret: secret },
        }),
        { platform: "ascera", accounts: [ACME_CORP], registration: { kind: "handoff", token: secret } },
      ],
    };
    const problems = problemsOf(raw);
    expect(problems.map((p) => p.path).sort()).toEqual([
      "cf-compliance-tokens:connections[0].registration.hmacSecret",
      "cf-compliance-tokens:connections[0].registration.secretEnv",
      "cf-compliance-tokens:connections[0].registration.url",
      "cf-compliance-tokens:connections[1].registration.token",
    ]);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath["cf-compliance-tokens:connections[0].registration.secretEnv"]!.message).toMatch(
      /is not the name of an environment variable\. Fix: put the secret in an environment variable and write only its name here/,
    );
    expect(byPath["cf-compliance-tokens:connections[0].registration.url"]!.message).toMatch(/carries credentials/);
    expect(byPath["cf-compliance-tokens:connections[0].registration.hmacSecret"]!.message).toMatch(/unknown key "hmacSecret"/);
    expect(JSON.stringify(problems)).not.toContain(secret);
    try {
      settingsFrom(raw);
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it("a secret under an unknown key is never printed, in a connection or at the top level, and the path names the key", () => {
    const canary = "cfsbx_CANARY0123456789abcdef0123456789abcdef";
    const raw = {
      connections: [drata({ apiToken: canary, token: { ttlDays: 30, secret: canary } })],
      webhookSecret: canary,
      token: { ttlDays: 30 },
    };
    const problems = problemsOf(raw);
    expect(problems.map((p) => p.path).sort()).toEqual([
      "cf-compliance-tokens:connections[0].apiToken",
      "cf-compliance-tokens:connections[0].token.secret",
      "cf-compliance-tokens:webhookSecret",
    ]);
    expect(problems.every((p) => /unknown key "(apiToken|secret|webhookSecret)"\. Fix: remove it/.test(p.message))).toBe(true);
    let message = "";
    try {
      settingsFrom(raw);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('cf-compliance-tokens:connections[0].apiToken = (not shown): is an unknown key "apiToken"');
    expect(message).toContain('cf-compliance-tokens:webhookSecret = (not shown): is an unknown key "webhookSecret"');
    expect(message).not.toContain("CANARY");
    expect(message).not.toContain("drata");
  });

  it("an object value is printed by its key names only, and an array of objects by its shape", () => {
    const canary = "cfsbx_CANARY0123456789abcdef";
    expect(formatValue({ platform: "drata", apiToken: canary })).toBe("{platform: …, apiToken: …}");
    expect(formatValue([{ apiToken: canary }, "x"])).toBe('[{apiToken: …},"x"]');
    expect(formatValue([[canary]])).toBe("[[…]]");
    expect(formatValue(["example.com", "203.0.113.0/24"])).toBe('["example.com","203.0.113.0/24"]');
    expect(formatValue("vanta")).toBe('"vanta"');
    expect(formatValue(400)).toBe("400");
    expect(formatValue(undefined)).toBe("(missing)");
  });

  it("a missing stack file names the file and the fix", () => {
    expect(() => loadSettingsFile("stacks/Pulumi.nope.yaml")).toThrow(
      /does not exist: did you mean --stack dev or --stack prod\? Stacks with a file in stacks: dev, prod\. Fix: pass one of them with --stack, or create stacks\/Pulumi\.nope\.yaml/,
    );
  });

  it("the shipped dev and prod stacks are valid", () => {
    expect(loadSettingsFile("stacks/Pulumi.dev.yaml").connections).toHaveLength(3);
    const prod = loadSettingsFile("stacks/Pulumi.prod.yaml");
    expect(prod.stack).toBe("prod");
    expect(prod.connections.every((c) => c.token.ttlDays === 30)).toBe(true);
    expect(prod.connections[0]!.token.allowedIps.length).toBeGreaterThan(0);
  });
});
