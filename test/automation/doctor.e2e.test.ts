import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { answers, installPulumiStandIn, projectCopy, type PulumiStandIn } from "../helpers/pulumi-standin";
import { useSandbox } from "../helpers/sandbox";
import { rehearsalArgs, rehearsalEnv, testProject, ACME_CORP } from "../helpers/pipeline";

const sandbox = useSandbox({ port: 0 });
const BIN = path.resolve("bin/cfct.js");
let standIn: PulumiStandIn | undefined;
afterEach(() => {
  standIn?.restore();
  standIn = undefined;
});

interface Finding {
  check: string;
  status: string;
  detail: string;
  fix?: string;
}

/** The built CLI with exactly the Pulumi and Cloudflare variables given (none inherited), and its own HOME. */
function doctor(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(PULUMI_|CLOUDFLARE_|CFCT_)/.test(name) && name !== "HOME"),
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "doctor", ...args], {
      env: { ...inherited, HOME: mkdtempSync(path.join(tmpdir(), "cfct-home-")), ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Doctor on a copy of the project's stack dev, the provisioner checked against the test's sandbox. */
const pulumiArgs = (project: string) => [
  "--stack",
  "dev",
  "--project-dir",
  project,
  "--evidence-dir",
  path.join(project, "evidence"),
  "--api-base",
  sandbox.baseUrl,
];

const byCheck = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [f.check, f]));
const WHOAMI = { command: ["whoami"], stdout: JSON.stringify({ user: "ci-bot", url: "file:///tmp/cfct-state", organizations: [] }) };

describe("cfct doctor with the Pulumi engine: what up needs, in up's order", { timeout: 120_000 }, () => {
  it("the issue's case: no Pulumi CLI, no backend, no passphrase is not ok, though the provisioner is (exit 1, each with its fix)", async () => {
    const project = projectCopy();
    const run = await doctor([...pulumiArgs(project), "--json"], { PATH: "/nonexistent", CLOUDFLARE_API_TOKEN: sandbox.provisionerToken });
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as { ok: boolean; findings: Finding[] };
    expect(report.ok).toBe(false);
    const findings = byCheck(report.findings);
    expect(findings["pulumi-cli"]).toMatchObject({ status: "fail", detail: "the Pulumi CLI is not installed or not on PATH" });
    expect(findings["pulumi-cli"]!.fix).toMatch(/^install it .*cfct up --stack <env> --engine sandbox`$/);
    for (const check of ["pulumi-backend", "secrets-provider", "stack"]) expect(findings[check]!.status, check).toBe("skipped");
    // Today's preflight still runs and passes: it is one finding among the others, not the verdict.
    expect(findings["provisioner"]!.status).toBe("ok");
  });

  it("with the CLI: reports its version, the backend's login, a missing passphrase with its fix, and a stack up will create", async () => {
    standIn = installPulumiStandIn({ answers: [WHOAMI, answers.stackList(["prod"])] });
    const project = projectCopy();
    const run = await doctor(pulumiArgs(project), {
      PATH: process.env["PATH"]!,
      PULUMI_BACKEND_URL: "file:///tmp/cfct-state",
      CLOUDFLARE_API_TOKEN: sandbox.provisionerToken,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^ok {3}pulumi-cli: Pulumi CLI 3\.248\.0 \(.*\/pulumi\)$/m);
    expect(run.stdout).toMatch(/^ok {3}pulumi-backend: file:\/\/\/tmp\/cfct-state, logged in as ci-bot$/m);
    expect(run.stdout).toMatch(
      /^FAIL secrets-provider: PULUMI_CONFIG_PASSPHRASE is not set, and stack dev keeps its secrets .*\n {5}Fix: export PULUMI_CONFIG_PASSPHRASE/m,
    );
    expect(run.stdout).toMatch(/^ok {3}stack: stack dev does not exist yet: `cfct up` creates it/m);
    expect(run.stdout).toMatch(/cfct doctor: 1 problem\(s\) would stop `cfct up --stack dev` for stack dev/);
  });

  it("all in place: every check ok, in up's order, and doctor ran only read-only Pulumi commands", async () => {
    standIn = installPulumiStandIn({ answers: [WHOAMI, answers.stackList(["dev"]), answers.selected, ...answers.outputs({})] });
    const project = projectCopy();
    const run = await doctor([...pulumiArgs(project), "--json"], {
      PATH: process.env["PATH"]!,
      PULUMI_BACKEND_URL: "file:///tmp/cfct-state",
      PULUMI_CONFIG_PASSPHRASE: "pw",
      CLOUDFLARE_API_TOKEN: sandbox.provisionerToken,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; findings: Finding[] };
    expect(report.findings.map((f) => [f.check, f.status])).toEqual([
      ["pulumi-cli", "ok"],
      ["pulumi-backend", "ok"],
      ["secrets-provider", "ok"],
      ["stack", "ok"],
      ["provisioner-credential", "ok"],
      ["stack-config", "ok"],
      ["provisioner", "ok"],
      ["evidence-dir", "ok"],
      ...report.findings.filter((f) => f.check.startsWith("registration:")).map((f) => [f.check, "ok"]),
    ]);
    expect(report.findings.some((f) => f.check.startsWith("registration:"))).toBe(true);
    expect(byCheck(report.findings)["secrets-provider"]!.detail).toBe(
      "stack dev keeps its secrets with passphrase (PULUMI_CONFIG_PASSPHRASE is set); secrets provider of stack dev: passphrase (Pulumi's default on a DIY backend): " +
        "anyone who holds the passphrase and can read the state can decrypt every token value, and nothing records it",
    );
    expect(new Set(standIn.commands())).toEqual(new Set(["version", "whoami", "stack ls", "stack select", "stack export"]));
    // The credential's value never reaches doctor's output.
    expect(run.stdout).not.toContain(sandbox.provisionerToken);
  });
});

describe("cfct doctor names the stack's secrets provider and who can decrypt the token values", { timeout: 120_000 }, () => {
  /** Doctor --json on stack prod of a project copy whose prod stack file carries `secrets` (Pulumi's top-level keys) beside one Drata connection. */
  async function doctorProd(secrets: string) {
    standIn = installPulumiStandIn({ answers: [WHOAMI, answers.stackList(["prod"]), answers.selected, ...answers.outputs({})] });
    const project = projectCopy();
    const config = `config:\n  cf-compliance-tokens:connections:\n    - {platform: drata, accounts: ["${ACME_CORP}"], zones: [acme-corp.com]}\n`;
    writeFileSync(path.join(project, "stacks", "Pulumi.prod.yaml"), `${secrets}${config}`);
    const run = await doctor([...pulumiArgs(project).map((arg) => (arg === "dev" ? "prod" : arg)), "--json"], {
      PATH: process.env["PATH"]!,
      PULUMI_BACKEND_URL: "file:///tmp/cfct-state",
      PULUMI_CONFIG_PASSPHRASE: "pw",
      CLOUDFLARE_API_TOKEN: sandbox.provisionerToken,
    });
    return { run, findings: byCheck((JSON.parse(run.stdout) as { findings: Finding[] }).findings) };
  }

  it("warns on a prod stack sealed with a passphrase, with the KMS fix, and still exits 0 when nothing else is wrong", async () => {
    const { run, findings } = await doctorProd("encryptionsalt: v1:Zm9vYmFy:v1:abc:def\n");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(findings["secrets-provider"]).toMatchObject({ status: "warn" });
    expect(findings["secrets-provider"]!.detail).toMatch(
      /secrets provider of stack prod: passphrase \(.*Pulumi\.prod\.yaml: encryptionsalt\)/,
    );
    expect(findings["secrets-provider"]!.fix).toMatch(/^move it to a KMS secrets provider/);
    expect(findings["provisioner"]!.status).toBe("ok");
  });

  it("reports a KMS provider on prod without a warning", async () => {
    const { findings } = await doctorProd("secretsprovider: awskms://alias/cfct?region=us-east-1\nencryptedkey: AQICAHg=\n");
    expect(findings["secrets-provider"]).toMatchObject({ status: "ok" });
    expect(findings["secrets-provider"]!.detail).toMatch(
      /secrets provider of stack prod: awskms:\/\/alias\/cfct\?region=us-east-1 .*audit log records each use/,
    );
  });
});

describe("cfct doctor --engine sandbox: what the rehearsal needs", { timeout: 120_000 }, () => {
  it("a running sandbox: sandbox, rehearsal state, config, provisioner, evidence, registration, all ok", async () => {
    const p = testProject("doctorrehearsal");
    p.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    const run = await doctor([...rehearsalArgs(sandbox, p), "--json"], rehearsalEnv(sandbox, p));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { findings: Finding[] };
    expect(report.findings.map((f) => f.check)).toEqual([
      "sandbox",
      "rehearsal-state",
      "stack-config",
      "provisioner",
      "evidence-dir",
      "registration:drata",
    ]);
    expect(byCheck(report.findings)["registration:drata"]!.detail).toBe(
      `hand-off sheets go to ${p.handoffDir} (writable, outside any repository)`,
    );
  });

  it("a hand-off directory that cannot be written and an evidence directory that cannot be created: each fails with its fix", async () => {
    const p = testProject("doctorunwritable");
    p.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    writeFileSync(path.join(p.dir, "a-file"), "");
    const run = await doctor([...rehearsalArgs(sandbox, p), "--evidence-dir", path.join(p.dir, "a-file", "evidence")], {
      ...rehearsalEnv(sandbox, p),
      CFCT_REHEARSAL_HANDOFF_DIR: path.join(p.dir, "a-file", "handoff"),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL evidence-dir: --evidence-dir .*a-file\/evidence: cannot write evidence .*ENOTDIR.*\n {5}Fix: pass --evidence-dir/m,
    );
    expect(run.stdout).toMatch(
      /^FAIL registration:drata: hand-off sheets cannot be written to .*a-file\/handoff .*ENOTDIR.*\n {5}Fix: make the directory writable/m,
    );
  });

  it("no sandbox running: says so with the fix, and skips what needs it", async () => {
    const p = testProject("doctornosandbox");
    p.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    const run = await doctor(["--stack", p.stack, "--engine", "sandbox", "--project-dir", p.dir], {});
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL sandbox: --engine sandbox needs a running sandbox, and no `cfct sandbox` is running\n {5}Fix: run `cfct sandbox`/m,
    );
    expect(run.stdout).toMatch(/^skip rehearsal-state: not checked: needs sandbox$/m);
    expect(run.stdout).toMatch(/^skip provisioner: not checked: needs stack-config$/m);
  });
});
