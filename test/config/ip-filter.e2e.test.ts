import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ConfigError } from "../../src/config/schema";
import { ipFilterOverlap } from "../../src/config/ip-filter";
import { configWarnings } from "../../src/config/warnings";
import { planComponentToken } from "../../src/component/arguments";
import { ACME_CORP, settingsFrom } from "../helpers/settings";
import { useSandbox } from "../helpers/sandbox";
import { runUp } from "../../src/automation/pipeline";
import { pipelineFor, testProject } from "../helpers/pipeline";

const drata = (token?: Record<string, unknown>) => ({
  platform: "drata",
  accounts: [ACME_CORP],
  zones: ["acme-corp.com"],
  ...(token ? { token } : {}),
});

function refusal(raw: unknown): ConfigError {
  try {
    settingsFrom(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected the config to be refused");
}

describe("an allow list the deny list cancels", () => {
  it("is refused in config validation, naming both lists, the denying ranges and the fix (the issue's example)", () => {
    const error = refusal({
      connections: [drata({ allowedIps: ["10.0.0.0/8"], deniedIps: ["10.1.0.0/16", "10.0.0.0/8"] })],
    });
    expect(error.problems).toHaveLength(1);
    const [problem] = error.problems;
    expect(problem!.path).toBe("cf-compliance-tokens:connections[0].token.allowedIps");
    expect(problem!.value).toEqual(["10.0.0.0/8"]);
    expect(problem!.message).toContain("cf-compliance-tokens:connections[0].token.deniedIps");
    expect(problem!.message).toContain("no address could use the token");
    expect(problem!.message).toMatch(/Fix: remove 10\.0\.0\.0\/8 from deniedIps, or allow a range outside the denied ones/);
  });

  it("is refused when denied ranges cover the allowed one only together (two halves)", () => {
    const error = refusal({ connections: [drata({ allowedIps: ["10.0.0.0/8"], deniedIps: ["10.0.0.0/9", "10.128.0.0/9"] })] });
    expect(error.problems[0]!.message).toContain("10.0.0.0/9, 10.128.0.0/9");
  });

  it("names the stack default's key once when the defaults cancel each other for every connection", () => {
    const error = refusal({
      token: { allowedIps: ["2001:db8::/32"], deniedIps: ["2001:db8::/31"] },
      connections: [drata(), { ...drata(), name: "drata-two" }],
    });
    expect(error.problems.map((p) => p.path)).toEqual(["cf-compliance-tokens:token.allowedIps"]);
    expect(error.problems[0]!.message).toContain("cf-compliance-tokens:token.deniedIps");
  });

  it("is refused for a library user of ComplianceToken too, under the argument names", () => {
    expect(() =>
      planComponentToken(
        "drata",
        "drata",
        { accounts: [ACME_CORP], zones: ["example.com"], allowedIps: ["192.0.2.0/24"], deniedIps: ["192.0.2.0/25", "192.0.2.128/25"] },
        "dev",
        new Date(),
      ),
    ).toThrow(/args\.allowedIps .*no address could use the token/s);
  });
});

describe("lists that overlap in part", () => {
  it("plan, with a warning that names the overlap", () => {
    const settings = settingsFrom({ connections: [drata({ allowedIps: ["10.0.0.0/8"], deniedIps: ["10.1.0.0/16"] })] });
    expect(configWarnings(settings)).toEqual([
      "connection drata: deniedIps 10.1.0.0/16 takes part of allowedIps 10.0.0.0/8 away: addresses there cannot use the token. Fine if meant; otherwise remove the overlap",
    ]);
  });

  it("warn about an allowed range that is wholly denied while another still works", () => {
    const settings = settingsFrom({
      connections: [drata({ allowedIps: ["10.0.0.0/8", "192.0.2.0/24"], deniedIps: ["10.0.0.0/8"] })],
    });
    expect(configWarnings(settings)).toEqual([
      "connection drata: allowedIps 10.0.0.0/8 is wholly inside deniedIps (10.0.0.0/8), so no address of it can use the token. Fix: remove 10.0.0.0/8 from allowedIps, or narrow the denied range",
    ]);
  });

  it("are not confused across address families or by disjoint ranges", () => {
    expect(ipFilterOverlap(["10.0.0.0/8"], ["2001:db8::/32", "192.0.2.0/24"])).toEqual({
      cancelled: [],
      partial: [],
      nothingAllowed: false,
    });
    expect(ipFilterOverlap([], ["10.0.0.0/8"]).nothingAllowed).toBe(false);
    expect(configWarnings(settingsFrom({ connections: [drata({ deniedIps: ["10.0.0.0/8"] })] }))).toEqual([]);
  });
});

describe("where the warning shows", () => {
  const sandbox = useSandbox({ port: 0 });

  it("cfct up says it before it deploys, and deploys", async () => {
    const project = testProject("overlap");
    project.writeConfig({ connections: [drata({ allowedIps: ["127.0.0.0/8"], deniedIps: ["127.1.0.0/16"] })] });
    const lines: string[] = [];
    const summary = await runUp(pipelineFor(sandbox, project, lines).context);
    expect(lines[0]).toBe(
      "warning: connection drata: deniedIps 127.1.0.0/16 takes part of allowedIps 127.0.0.0/8 away: addresses there cannot use the token. Fine if meant; otherwise remove the overlap",
    );
    expect(summary.tokens.map((t) => t.change)).toEqual(["create"]);
  });

  const project = mkdtempSync(path.join(tmpdir(), "cfct-ipfilter-"));
  const file = path.join(project, "Pulumi.overlap.yaml");
  writeFileSync(
    file,
    stringify({
      config: {
        "cf-compliance-tokens:connections": [drata({ allowedIps: ["10.0.0.0/8"], deniedIps: ["10.1.0.0/16"] })],
      },
    }),
  );
  const cfct = (...args: string[]) => spawnSync(process.execPath, ["bin/cfct.js", ...args], { encoding: "utf8" });

  it("cfct plan prints it (text and --json)", () => {
    const text = cfct("plan", "--config", file);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("warning: connection drata: deniedIps 10.1.0.0/16 takes part of allowedIps 10.0.0.0/8 away");
    const json = JSON.parse(cfct("plan", "--config", file, "--json").stdout) as { warnings: string[] };
    expect(json.warnings).toHaveLength(1);
  });

  it("cfct diff prints it (Markdown and --json)", () => {
    const markdown = cfct("diff", "--config", file, "--base-file", file, "--no-policy-pack");
    expect(markdown.status).toBe(0);
    expect(markdown.stdout).toContain("⚠️ warning: connection drata: deniedIps 10.1.0.0/16 takes part of allowedIps 10.0.0.0/8");
    const json = JSON.parse(cfct("diff", "--config", file, "--base-file", file, "--no-policy-pack", "--json").stdout) as {
      warnings: string[];
    };
    expect(json.warnings[0]).toContain("10.1.0.0/16");
  });
});
