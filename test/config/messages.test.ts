import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, type ConfigProblem } from "../../src/config/schema";
import { loadSettingsFile } from "../../src/config/stack-file";
import { ACME_CORP, ACME_LABS, settingsFrom } from "../helpers/settings";

function rejection(run: () => unknown): { problems: ConfigProblem[]; text: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { problems: [...(error as ConfigError).problems], text: (error as Error).message };
  }
  throw new Error("expected the config to be rejected");
}

const problemAt = (raw: unknown, at: string) => {
  const { problems } = rejection(() => settingsFrom(raw));
  const problem = problems.find((p) => p.path === `cf-compliance-tokens:${at}`);
  expect(problem, JSON.stringify(problems)).toBeDefined();
  return problem!;
};

const drata = (extra: Record<string, unknown> = {}) => ({ platform: "drata", accounts: [ACME_CORP], zones: ["example.com"], ...extra });

function stackFile(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "cfct-config-")), "Pulumi.test.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("every config problem names key path, value and fix (no bare zod defaults)", () => {
  it.each([
    {
      what: "ttlDays as text",
      raw: { connections: [drata()], token: { ttlDays: "abc" } },
      at: "token.ttlDays",
      value: "abc",
      message: /^must be a number, not text\. Fix: write the number without quotes/,
    },
    {
      what: "zones as one string",
      raw: { connections: [drata({ zones: "acme.com" })] },
      at: "connections[0].zones",
      value: "acme.com",
      message: /^must be the word all or a list, not text\. Fix: write all; or write a YAML list/,
    },
    {
      what: "connections as a map",
      raw: { connections: { platform: "drata" } },
      at: "connections",
      value: { platform: "drata" },
      message: /must be a list, not a map\. Fix: write a YAML list/,
    },
    {
      what: "a missing accounts list",
      raw: { connections: [{ platform: "drata", zones: "all" }] },
      at: "connections[0].accounts",
      value: undefined,
      message: /^is required\. Fix: add it \(a list\)/,
    },
    {
      what: "a fractional ttlDays",
      raw: { connections: [drata()], token: { ttlDays: 1.5 } },
      at: "token.ttlDays",
      value: 1.5,
      message: /whole number.*Fix:/,
    },
    {
      what: "a bad tokenNamePrefix",
      raw: { connections: [drata()], tokenNamePrefix: "-acme" },
      at: "tokenNamePrefix",
      value: "-acme",
      message: /Fix: 1\.\.20 letters/,
    },
    {
      what: "a rateBudget that is not <requests>/<seconds>",
      raw: { connections: [drata()], rateBudget: "fast" },
      at: "rateBudget",
      value: "fast",
      message: /^is not <requests>\/<seconds>\. Fix: e\.g\. 1200\/300/,
    },
    {
      what: "a rateBudget of no requests",
      raw: { connections: [drata()], rateBudget: "0/300" },
      at: "rateBudget",
      value: "0/300",
      message: /^must be at least 1 whole request per a positive number of seconds, got 0\/300\. Fix:/,
    },
    {
      what: "an empty accounts list",
      raw: { connections: [drata({ accounts: [] })] },
      at: "connections[0].accounts",
      value: [],
      message: /Fix: list the 32-hex account IDs/,
    },
  ])("$what", ({ raw, at, value, message }) => {
    const problem = problemAt(raw, at);
    expect(problem.value).toEqual(value);
    expect(problem.message).toMatch(message);
    expect(problem.message).not.toMatch(/Invalid input|Invalid string|Too small/);
  });

  it("the error text shows path = value: message with a fix for each line", () => {
    const { text } = rejection(() => settingsFrom({ connections: [drata({ zones: "acme.com" })], token: { ttlDays: "abc" } }));
    expect(text).toContain('cf-compliance-tokens:token.ttlDays = "abc": must be a number, not text. Fix:');
    expect(text).toContain('cf-compliance-tokens:connections[0].zones = "acme.com": must be the word all or a list');
    for (const line of text.split("\n").slice(1)) expect(line).toMatch(/Fix:/);
  });
});

describe("every problem in one pass", () => {
  it("structure errors and duplicate names together", () => {
    const raw = {
      connections: [
        drata({ zones: ["bad zone"] }),
        drata({ accounts: [ACME_LABS] }),
        { platform: "drata", accounts: [ACME_CORP], zones: "all", token: { ttlDays: "x" } },
      ],
    };
    const paths = rejection(() => settingsFrom(raw))
      .problems.map((p) => p.path)
      .sort();
    expect(paths).toEqual([
      "cf-compliance-tokens:connections[0].zones[0]",
      "cf-compliance-tokens:connections[1].name",
      "cf-compliance-tokens:connections[2].name",
      "cf-compliance-tokens:connections[2].token.ttlDays",
    ]);
  });

  it("a cross-field rule of a sound connection is reported beside another connection's structure error", () => {
    const raw = {
      connections: [
        { platform: "ascera", accounts: [ACME_CORP], zones: "all" },
        { platform: "drata", name: "d", accounts: "x", zones: "all" },
      ],
    };
    const paths = rejection(() => settingsFrom(raw))
      .problems.map((p) => p.path)
      .sort();
    expect(paths).toEqual(["cf-compliance-tokens:connections[0].zones", "cf-compliance-tokens:connections[1].accounts"]);
  });
});

describe("client-IP filters that would not filter what was meant are refused", () => {
  it.each([
    { cidr: "0.0.0.0/0", message: /matches every address, so it is no filter\. Fix:/ },
    { cidr: "::/0", message: /matches every address, so it is no filter\. Fix:/ },
    { cidr: "10.0.0.5/8", message: /host bits set past \/8\. Fix: write the network address 10\.0\.0\.0\/8/ },
    { cidr: "2001:db8::5/32", message: /Fix: write the network address 2001:db8::\/32/ },
    { cidr: "fe80::1%eth0/64", message: /IPv6 zone index .* Fix: remove the %… part/ },
  ])("$cidr, allowed or denied", ({ cidr, message }) => {
    expect(problemAt({ connections: [drata()], token: { allowedIps: [cidr] } }, "token.allowedIps[0]").message).toMatch(message);
    expect(problemAt({ connections: [drata({ token: { deniedIps: [cidr] } })] }, "connections[0].token.deniedIps[0]").message).toMatch(
      message,
    );
  });

  it("network addresses and single hosts pass", () => {
    const settings = settingsFrom({ connections: [drata()], token: { allowedIps: ["10.0.0.0/8", "203.0.113.7/32", "2001:db8::/32"] } });
    expect(settings.connections[0]!.token.allowedIps).toEqual(["10.0.0.0/8", "203.0.113.7/32", "2001:db8::/32"]);
  });
});

describe("stack files", () => {
  const connection = `    - platform: drata\n      accounts: ["${ACME_CORP}"]\n      zones: all\n`;

  it("YAML merge keys work", () => {
    const file = stackFile(
      `base: &base\n  ttlDays: 30\n  allowedIps: ["203.0.113.0/24"]\nconfig:\n  cf-compliance-tokens:token:\n    <<: *base\n    ttlDays: 14\n  cf-compliance-tokens:connections:\n${connection}`,
    );
    expect(loadSettingsFile(file).connections[0]!.token).toEqual({ ttlDays: 14, allowedIps: ["203.0.113.0/24"], deniedIps: [] });
  });

  it("a misspelled namespace gets did-you-mean", () => {
    const file = stackFile(`config:\n  cf-compliance-token:connections:\n${connection}`);
    const { problems, text } = rejection(() => loadSettingsFile(file));
    // And, in the same pass, what the misspelling left out.
    expect(problems.map((p) => p.path)).toEqual(["cf-compliance-token:connections", "cf-compliance-tokens:connections"]);
    expect(text).toContain("did you mean cf-compliance-tokens:connections?");
  });

  it("a stack-file key problem and a structure problem are reported in the same pass", () => {
    const file = stackFile(
      `config:\n  cf-compliance-token:token: {ttlDays: 3}\n  cf-compliance-tokens:token: {ttlDays: abc}\n  cf-compliance-tokens:connections:\n${connection}`,
    );
    expect(rejection(() => loadSettingsFile(file)).problems.map((p) => p.path)).toEqual([
      "cf-compliance-token:token",
      "cf-compliance-tokens:token.ttlDays",
    ]);
  });

  it("other namespaces pass through", () => {
    const file = stackFile(
      `config:\n  aws:region: eu-west-1\n  cloudflare:email: ops@example.com\n  cf-compliance-tokens:connections:\n${connection}`,
    );
    expect(loadSettingsFile(file).connections).toHaveLength(1);
  });

  it.each([
    { what: "cloudflare:apiToken", yaml: "  cloudflare:apiToken: CANARYabcdefghijklmnopqrstuvwxyz0123456789\n", at: "cloudflare:apiToken" },
    { what: "an encrypted cloudflare:apiKey", yaml: "  cloudflare:apiKey:\n    secure: v1:CANARYabcdef\n", at: "cloudflare:apiKey" },
    {
      what: "a secret-looking value under another cloudflare key",
      yaml: "  cloudflare:token: CANARYabcdefghijklmnopqrstuvwxyz0123456789\n",
      at: "cloudflare:token",
    },
  ])("a provider credential in the stack file is refused without echoing it: $what", ({ yaml, at }) => {
    const file = stackFile(`config:\n${yaml}  cf-compliance-tokens:connections:\n${connection}`);
    const { problems, text } = rejection(() => loadSettingsFile(file));
    expect(problems.map((p) => p.path)).toEqual([at]);
    expect(text).toMatch(/provider credential in a stack file.*Fix: delete this key.*environment variable CLOUDFLARE_API_TOKEN/);
    expect(text).not.toContain("CANARY");
  });
});
