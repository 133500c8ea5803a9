import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ACME_CORP, rehearsalArgs, rehearsalEnv, testProject, type TestProject } from "../helpers/pipeline";
import { useSandbox } from "../helpers/sandbox";

const CANARY = "CLICANARY_";
const sandbox = useSandbox({ port: 0, tokenPrefix: CANARY });
let project: TestProject;

beforeAll(async () => {
  project = testProject("cli");
  project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
});

/** The built CLI as a user runs it, against the sandbox (async, so the in-process sandbox keeps answering). */
function cfct(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/cfct.js", ...args], {
      env: {
        ...process.env,
        ...rehearsalEnv(sandbox, project),
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const stackArgs = () => rehearsalArgs(sandbox, project);

describe("cfct up / verify / rotate / destroy from the CLI against the sandbox", () => {
  it("runs the whole lifecycle, labelled as a rehearsal, with no token value in any output", async () => {
    const preview = await cfct(["preview", ...stackArgs()]);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain("engine: sandbox (rehearsal");
    expect(preview.stdout).toContain("create drata-g1");
    expect(preview.stdout).toContain("drata-g1 (added):\n    + group ");
    expect(preview.stdout).toContain("    + resource com.cloudflare.api.account.zone.576e2aa970f9f4e230116c7c1d498a24");

    const up = await cfct(["up", ...stackArgs()]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/drata-g1: created\n/);
    // The dev stack's Drata token holds specific zones: it verifies, with the warning that it cannot list zones.
    expect(up.stdout).toMatch(/drata-g1: verified ok with warning\(s\) zone-listing in \d+ API calls/);
    expect(up.stdout).toMatch(/drata-g1: handed-off/);
    const evidence = /evidence: (.+\.md)/.exec(up.stdout)![1]!;
    expect(readFileSync(evidence, "utf8")).toContain("| result | OK |");

    const verify = await cfct(["verify", ...stackArgs(), "--json"]);
    expect(verify.code, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report).toMatchObject({ ok: true, stack: "cli" });
    expect(report.tokens.map((t: { tokenKey: string }) => t.tokenKey)).toEqual(["drata"]);

    const rotate = await cfct(["rotate", ...stackArgs(), "--force", "--grace", "0h"]);
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toContain("drata g2: successor-created");
    expect(rotate.stdout).toContain("drata g1: old-revoked");

    const destroy = await cfct(["destroy", ...stackArgs()]);
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toContain("drata-g2: deleted");

    for (const run of [preview, up, verify, rotate, destroy]) {
      expect(run.stdout + run.stderr).not.toContain(CANARY);
    }
    // up, rotate and destroy each end with the head of the stack's evidence chain (verify's record is #2).
    const heads = [up, rotate, destroy].map((run) => /evidence chain head: #(\d+) sha256 ([0-9a-f]{64})\n$/.exec(run.stdout));
    expect(heads.map((head) => Number(head?.[1]))).toEqual([1, 3, 4]);
    const anchored = await cfct(["evidence", "verify", "--dir", path.join(project.dir, "evidence", "cli"), "--anchor", heads[2]![2]!]);
    expect(anchored.code, anchored.stdout).toBe(0);
  }, 120_000); // five CLI processes, each loading Pulumi: on a loaded 2-core machine this can exceed the 30 s default

  it("without the provisioner credential: exit 1, naming the variable and the fix", async () => {
    // A real run's: a rehearsal takes the sandbox's own credential from its announcement, never this variable.
    const run = await cfct(["up", "--stack", "cli", "--project-dir", project.dir], { CLOUDFLARE_API_TOKEN: undefined });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/CLOUDFLARE_API_TOKEN is not set\. Fix: export the provisioner credential/);
  });

  it("with the Pulumi engine and no Pulumi CLI: says how to install it, or to rehearse", async () => {
    const run = await cfct(["up", "--stack", "cli", "--project-dir", project.dir], {
      PATH: "/nonexistent",
      CLOUDFLARE_API_TOKEN: "unused",
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Pulumi CLI is not installed or not on PATH\. Fix: install it/);
    expect(run.stderr).toContain("run `cfct sandbox` in another terminal, then `cfct up --stack <env> --engine sandbox`");
  });
});
