import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { loadSettingsFile } from "../../src/config/stack-file";
import { diffPlans, type PlannedSide } from "../../src/diff/plan-diff";
import { policyVerdict } from "../../src/diff/policy-verdict";
import { settingsFrom, ACME_CORP } from "../helpers/settings";
import { renderDiffMarkdown } from "../../src/diff/render";
import { plan } from "../../src/plan/plan";
import { PLATFORMS, type PlatformCatalog } from "../../src/platforms";
import { cfct } from "../helpers/cli-run";
import { SCOPES } from "../../src/domain/permission-group";

const FIXTURES = path.resolve(__dirname, "fixtures");
const NOW = new Date("2026-01-01T00:00:00Z");
const side = (file: string, catalog: PlatformCatalog = PLATFORMS): PlannedSide => {
  const settings = loadSettingsFile(path.join(FIXTURES, file), "prod");
  return { settings, tokens: plan(settings, catalog, NOW) };
};

/** The catalog a pull request might bring: Drata's guide profile with a write group added. */
const drataGuide = PLATFORMS.drata!.profiles["guide"]!;
const WITH_WRITE_GROUP: PlatformCatalog = {
  ...PLATFORMS,
  drata: {
    ...PLATFORMS.drata!,
    profiles: {
      ...PLATFORMS.drata!.profiles,
      guide: { ...drataGuide, groups: [...drataGuide.groups, { name: "DNS Write", scope: SCOPES.zone }] },
    },
  },
};

describe("cfct diff: the plan of the base against the plan of the head, offline", () => {
  it("shows an added zone and an added write group (in bold), and the pack fails the write group", async () => {
    const base = side("Pulumi.base.yaml");
    const head = side("Pulumi.head.yaml", WITH_WRITE_GROUP);
    const diff = diffPlans(base, head);
    const drata = diff.find((c) => c.connection === "drata")!;
    expect(drata.zones).toEqual({ added: ["acme-payments.com"], removed: [] });
    expect(drata.groups).toEqual({ added: [{ name: "DNS Write", scope: SCOPES.zone, read: false }], removed: [] });
    expect(drata.ttlDays).toEqual({ from: 90, to: 30 });
    expect(drata.allowedIps).toEqual({ added: ["203.0.113.0/24"], removed: [] });
    expect(drata.tokens).toEqual({ added: [], removed: [] });

    const ascera = diff.find((c) => c.connection === "ascera")!;
    expect(ascera.accounts.added).toEqual(["fca1dc0809e072ce2cf9eb2831e0e03b"]);
    expect(ascera.tokens.added).toEqual(["cfct prod ascera-fca1dc08 g1"]);
    expect(ascera.zones.added).toEqual(["all"]);

    const verdict = await policyVerdict(policies, "prod", head.tokens);
    expect(verdict.passes).toBe(false);
    expect(verdict.violations.filter((v) => v.level === "mandatory").map((v) => [v.policy, v.token])).toEqual([["read-only", "drata-g1"]]);
    expect(verdict.previewOnly).toEqual(expect.arrayContaining(["no-hand-rolled-tokens", "not-expired"]));

    const markdown = renderDiffMarkdown({
      stack: "prod",
      base: "origin/main",
      head: "stacks/Pulumi.prod.yaml",
      connections: diff,
      verdict,
    });
    expect(markdown).toContain(
      "#### drata (changed)\n\n- ➕ group **DNS Write [account.zone] (not read-only)**\n- ➕ zone `acme-payments.com`",
    );
    expect(markdown).toContain("- ➕ account `fca1dc0809e072ce2cf9eb2831e0e03b`");
    expect(markdown).toMatch(/- ➕ \d+ read groups <details>/);
    expect(markdown).toContain("- TTL 90 → 30 days");
    expect(markdown).toContain("Policy pack: **FAILS** (1 mandatory violation(s))");
  });

  it("passes the unchanged catalog's plan, and an unchanged config is one line", async () => {
    const base = side("Pulumi.base.yaml");
    expect(diffPlans(base, base)).toEqual([]);
    // On dev: prod requires IP filters (ip-filter-required), which the base has not; the advisory ip-filter still says so.
    const verdict = await policyVerdict(policies, "dev", base.tokens);
    expect(verdict.passes).toBe(true);
    expect(verdict.violations.map((v) => [v.level, v.policy])).toEqual([
      ["advisory", "ip-filter"],
      ["advisory", "ip-filter"],
    ]);
    const markdown = renderDiffMarkdown({ stack: "prod", base: "origin/main", head: "stacks/Pulumi.prod.yaml", connections: [], verdict });
    expect(markdown.trim().split("\n")).toHaveLength(1);
    expect(markdown).toContain(
      "no change to tokens, permission groups, accounts, zones, TTL, IP filters or registration against origin/main",
    );
  });

  it("a removed connection lists its tokens, groups and accounts as removed", () => {
    const base = side("Pulumi.base.yaml");
    const head: PlannedSide = {
      settings: { ...base.settings, connections: base.settings.connections.filter((c) => c.name !== "ascera") },
      tokens: base.tokens.filter((t) => t.connection !== "ascera"),
    };
    const [ascera] = diffPlans(base, head);
    expect(ascera).toMatchObject({
      connection: "ascera",
      change: "removed",
      tokens: { removed: ["cfct prod ascera-417daa9d g1"] },
      accounts: { removed: ["417daa9dc1293f3af874e997f8bdce54"] },
    });
  });
});

/** The case: prod, ttlDays 365, every allowedIps deleted. */
function violatingProd(): string {
  return (
    readFileSync(path.resolve("stacks/Pulumi.prod.yaml"), "utf8")
      .replace("ttlDays: 30", "ttlDays: 365")
      .split("\n")
      // allowedIps, and the per-connection token: maps (with their comments) it leaves empty.
      .filter((line) => !line.includes("allowedIps") && !/^ {6}token:$/.test(line) && !/^ {8}#/.test(line))
      .join("\n")
  );
}

describe("cfct diff judges what pulumi preview would: each ComplianceToken and the provider token it declares", () => {
  const both = settingsFrom(
    {
      connections: [
        { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"], token: { allowedIps: ["203.0.113.0/24"] } },
        { platform: "ascera", accounts: [ACME_CORP], token: { allowedIps: ["192.0.2.0/24"] } },
      ],
    },
    "prod",
  );
  const resourceRules = policies.filter((rule) => "validateResource" in rule);

  it("every resource rule of the pack judges at least one resource on prod: none is silently not applicable", async () => {
    expect(resourceRules.length).toBeGreaterThan(0);
    const verdict = await policyVerdict(policies, "prod", plan(both, PLATFORMS, NOW), {}, both);
    expect(verdict.notApplicable).toEqual([]);
    expect(verdict.ran).toEqual(resourceRules.map((rule) => rule.name));
    // The provider-token rules judged the children, of both kinds.
    for (const name of ["expiry", "ip-filter", "ip-filter-required"]) {
      expect(verdict.rules.find((r) => r.policy === name)!.judged, name).toEqual([
        'cloudflare.ApiToken "drata-g1"',
        `cloudflare.AccountToken "ascera-${ACME_CORP.slice(0, 8)}-g1"`,
      ]);
    }
    expect(verdict.rules.find((r) => r.policy === "read-only")!.judged).toEqual([
      'ComplianceToken "drata-g1"',
      `ComplianceToken "ascera-${ACME_CORP.slice(0, 8)}-g1"`,
    ]);
    expect(verdict.passes).toBe(true);
  });

  it("a rule that applies to nothing is named with the rule's own reason, not counted as run", async () => {
    const verdict = await policyVerdict(policies, "dev", plan({ ...both, stack: "dev" }, PLATFORMS, NOW), {}, { ...both, stack: "dev" });
    expect(verdict.notApplicable).toEqual(["ip-filter-required", "registration-hosts-required"]);
    expect(verdict.ran).not.toContain("ip-filter-required");
    const rule = verdict.rules.find((r) => r.policy === "ip-filter-required")!;
    expect(rule.judged).toEqual([]);
    expect(rule.notApplicable.map((n) => n.reason)).toContain("stack dev is not in requireForStacks");
    const markdown = renderDiffMarkdown({
      stack: "dev",
      base: "a",
      head: "b",
      connections: diffPlans(
        { settings: { ...both, connections: [] }, tokens: [] },
        { settings: both, tokens: plan(both, PLATFORMS, NOW) },
      ),
      verdict,
    });
    expect(markdown).toContain("- `ip-filter-required` (mandatory) judged nothing: not applicable (");
    expect(markdown).toMatch(
      /- `expiry` \(mandatory\) judged cloudflare\.ApiToken "drata-g1"; cloudflare\.AccountToken "ascera-417daa9d-g1"/,
    );
  });

  it("judges under the pack config as preview would: levels (all, per rule, disabled) and rule settings", async () => {
    const plans = plan({ ...both, stack: "dev" }, PLATFORMS, new Date());
    const unfiltered = plans.map((p) => ({ ...p, allowedIps: [] }));
    const verdict = await policyVerdict(policies, "dev", unfiltered, {
      all: "mandatory",
      "ip-filter": "advisory",
      "ip-filter-required": { requireForStacks: ["dev"] },
      expiry: { enforcementLevel: "disabled" },
    });
    const rule = (name: string) => verdict.rules.find((r) => r.policy === name)!;
    expect(rule("read-only").level).toBe("mandatory");
    expect(rule("ip-filter").level).toBe("advisory");
    expect(rule("ip-filter-required").judged.length).toBeGreaterThan(0);
    expect(rule("expiry")).toMatchObject({ level: "disabled", judged: [] });
    expect(verdict.notApplicable).toContain("expiry");
    expect(verdict.passes).toBe(false);
    expect(verdict.violations.filter((v) => v.level === "mandatory").map((v) => v.policy)).toEqual(
      expect.arrayContaining(["ip-filter-required"]),
    );
  });

  it("the issue's case: prod with ttlDays 365 and no allowedIps fails expiry and ip-filter-required on the provider tokens", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-diff-violating-"));
    const file = path.join(dir, "Pulumi.prod.yaml");
    writeFileSync(file, violatingProd());
    const settings = loadSettingsFile(file, "prod");
    // The expiry rule counts from the real clock, as in preview: plan at the real time.
    const verdict = await policyVerdict(policies, "prod", plan(settings, PLATFORMS, new Date()));
    expect(verdict.passes).toBe(false);
    const mandatory = verdict.violations.filter((v) => v.level === "mandatory");
    expect(new Set(mandatory.map((v) => v.policy))).toEqual(new Set(["expiry", "ip-filter-required"]));
    expect(mandatory.map((v) => v.resource)).toEqual(expect.arrayContaining(["cloudflare.ApiToken", "cloudflare.AccountToken"]));
    expect(mandatory.find((v) => v.policy === "expiry")!.message).toContain("more than maxTtlDays 30");
  });
});

// Each test runs the built CLI several times; on a loaded machine one start takes seconds.
describe("cfct diff from the CLI (no credentials in the environment)", { timeout: 180_000 }, () => {
  const noCredentials = { CLOUDFLARE_API_TOKEN: undefined };

  it("--base-file a file, --config the new side, --json", async () => {
    const run = await cfct(
      [
        "diff",
        "--stack",
        "prod",
        "--config",
        path.join(FIXTURES, "Pulumi.head.yaml"),
        "--base-file",
        path.join(FIXTURES, "Pulumi.base.yaml"),
        "--json",
      ],
      noCredentials,
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.connections.find((c: { connection: string }) => c.connection === "drata").zones).toEqual({
      added: ["acme-payments.com"],
      removed: [],
    });
    expect(report.verdict).toMatchObject({ passes: true, previewOnly: expect.arrayContaining(["not-expired"]) });
  });

  it("the issue's case from the CLI: --json says passes false, names what each rule ran on, exit 2", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-diff-cli-"));
    const edited = path.join(dir, "Pulumi.prod.yaml");
    writeFileSync(edited, violatingProd());
    const run = await cfct(
      ["diff", "--stack", "prod", "--base-file", path.resolve("stacks/Pulumi.prod.yaml"), "--config", edited, "--json"],
      noCredentials,
    );
    expect(run.code, run.stderr).toBe(2);
    const { verdict } = JSON.parse(run.stdout);
    expect(verdict.passes).toBe(false);
    expect(verdict.violations.map((v: { policy: string }) => v.policy)).toEqual(expect.arrayContaining(["expiry", "ip-filter-required"]));
    expect(verdict.rules.find((r: { policy: string }) => r.policy === "expiry").judged).toContain('cloudflare.ApiToken "drata-prod-g1"');

    const markdown = await cfct(
      ["diff", "--stack", "prod", "--base-file", path.resolve("stacks/Pulumi.prod.yaml"), "--config", edited],
      noCredentials,
    );
    expect(markdown.code).toBe(2);
    expect(markdown.stdout).toContain("Policy pack: **FAILS**");
    expect(markdown.stdout).toMatch(/mandatory `expiry` on cloudflare\.ApiToken `drata-prod-g1`/);
    expect(markdown.stdout).toContain("What each rule ran on");
  });

  /** A project repository whose HEAD has the base prod stack; the working tree has the head's prod and a new staging stack. */
  function baseRepository(): string {
    const repo = mkdtempSync(path.join(tmpdir(), "cfct-diff-"));
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
    mkdirSync(path.join(repo, "stacks"));
    copyFileSync(path.resolve("Pulumi.yaml"), path.join(repo, "Pulumi.yaml"));
    copyFileSync(path.join(FIXTURES, "Pulumi.base.yaml"), path.join(repo, "stacks", "Pulumi.prod.yaml"));
    git("init", "-q");
    git("add", "-A");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base");
    copyFileSync(path.join(FIXTURES, "Pulumi.head.yaml"), path.join(repo, "stacks", "Pulumi.prod.yaml"));
    copyFileSync(path.join(FIXTURES, "Pulumi.head.yaml"), path.join(repo, "stacks", "Pulumi.staging.yaml"));
    return repo;
  }

  it("--base a git ref: reads the stack file as that commit had it; a stack new since then is all added", async () => {
    const repo = baseRepository();

    const changed = await cfct(["diff", "--stack", "prod", "--base", "HEAD", "--no-policy-pack"], noCredentials, repo);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain("Base `HEAD:stacks/Pulumi.prod.yaml` → `stacks/Pulumi.prod.yaml`");
    expect(changed.stdout).toContain("- ➕ zone `acme-payments.com`");
    expect(changed.stdout).toContain("Policy pack: not run (--no-policy-pack).");

    const added = await cfct(["diff", "--stack", "staging", "--base", "HEAD", "--no-policy-pack", "--json"], noCredentials, repo);
    expect(JSON.parse(added.stdout).connections.map((c: { change: string }) => c.change)).toEqual(["added", "added"]);

    const unknown = await cfct(["diff", "--stack", "prod", "--base", "no-such-branch", "--no-policy-pack"], noCredentials, repo);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("--base no-such-branch is not a git commit or branch");

    const option = await cfct(["diff", "--stack", "prod", "--base=--output=/tmp/x", "--no-policy-pack"], noCredentials, repo);
    expect(option.code).toBe(1);

    // A file named like the ref (a pull request can add one) never stands in for it: --base is a ref only.
    copyFileSync(path.join(FIXTURES, "Pulumi.head.yaml"), path.join(repo, "HEAD"));
    const shadowed = await cfct(["diff", "--stack", "prod", "--base", "HEAD", "--no-policy-pack"], noCredentials, repo);
    expect(shadowed.stdout).toContain("Base `HEAD:stacks/Pulumi.prod.yaml`");
    expect(shadowed.stdout).toContain("- ➕ zone `acme-payments.com`");
    const asRef = await cfct(["diff", "--stack", "prod", "--base-ref", "HEAD", "--no-policy-pack"], noCredentials, repo);
    expect(asRef.stdout).toBe(shadowed.stdout);
    const asFile = await cfct(["diff", "--stack", "prod", "--base-file", "HEAD", "--no-policy-pack"], noCredentials, repo);
    expect(asFile.stdout).toMatch(/no change to tokens.*against HEAD\./);
    const both = await cfct(["diff", "--stack", "prod", "--base-ref", "HEAD", "--base-file", "HEAD"], noCredentials, repo);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain(
      "more than one base given. Fix: pass exactly one of --base-ref <ref> (e.g. origin/main) or --base-file <stack file>",
    );
    const fileAsRef = await cfct(["diff", "--stack", "prod", "--base", "stacks/Pulumi.staging.yaml"], noCredentials, repo);
    expect(fileAsRef.code).toBe(1);
    expect(fileAsRef.stderr).toContain("(stacks/Pulumi.staging.yaml is a file: a stack file goes in --base-file)");

    writeFileSync(path.join(repo, "stacks", "Pulumi.prod.yaml"), "config: {}\n");
    const broken = await cfct(["diff", "--stack", "prod", "--base", "HEAD", "--no-policy-pack"], noCredentials, repo);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("cf-compliance-tokens:connections");
  });

  it("--config from outside the project (another repository) with --base a ref: the ref is resolved in the project, not beside the file", async () => {
    const repo = baseRepository();
    const elsewhere = mkdtempSync(path.join(tmpdir(), "cfct-diff-elsewhere-"));
    execFileSync("git", ["init", "-q"], { cwd: elsewhere, stdio: "ignore" });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "other"], {
      cwd: elsewhere,
      stdio: "ignore",
    });
    const outside = path.join(elsewhere, "Pulumi.prod.yaml");
    copyFileSync(path.join(FIXTURES, "Pulumi.head.yaml"), outside);
    const fromOutside = await cfct(
      ["diff", "--stack", "prod", "--config", outside, "--base", "HEAD", "--project-dir", repo, "--no-policy-pack"],
      noCredentials,
      elsewhere,
    );
    expect(fromOutside.code, fromOutside.stderr).toBe(0);
    expect(fromOutside.stdout).toContain(`Base \`HEAD:stacks/Pulumi.prod.yaml\` → \`${outside}\``);
    expect(fromOutside.stdout).toContain("- ➕ zone `acme-payments.com`");
  });

  it("--policy-pack-config: a level Pulumi would refuse is refused, not read as advisory (the pull request's own config is data)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-diff-config-"));
    const config = path.join(dir, "config.prod.json");
    writeFileSync(config, JSON.stringify({ all: "Mandatory <img src=x>" }));
    const base = ["--base-file", path.join(FIXTURES, "Pulumi.base.yaml"), "--config", path.join(FIXTURES, "Pulumi.head.yaml")];
    const run = await cfct(["diff", "--stack", "prod", ...base, "--policy-pack-config", config], noCredentials);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'all sets enforcement level "Mandatory <img src=x>". Fix: use one of advisory, mandatory, remediate, disabled',
    );
    expect(run.stdout).toBe("");
  });
});
