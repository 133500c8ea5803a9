import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { answers, installPulumiStandIn, projectCopy, stepEvents, type PulumiStandIn } from "../helpers/pulumi-standin";

const BIN = path.resolve("bin/cfct.js");
let standIn: PulumiStandIn | undefined;
afterEach(() => {
  standIn?.restore();
  standIn = undefined;
});

/** The built CLI as a user runs it, from `cwd`, with the stand-in pulumi first on PATH. */
function cfct(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = {
      ...process.env,
      CLOUDFLARE_API_TOKEN: "cf-provisioner-value",
      PULUMI_BACKEND_URL: "file:///tmp/cfct-state",
      PULUMI_CONFIG_PASSPHRASE: "pw",
    };
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("cfct preview with the Pulumi engine, against the stand-in CLI", () => {
  it("a mistyped --stack exits 1 naming the stacks that exist, and leaves no new stack behind (item 3)", async () => {
    standIn = installPulumiStandIn({ answers: [answers.noSuchStack("typo1"), answers.stackList(["dev", "prod"])] });
    const project = projectCopy();
    const run = await cfct(["preview", "--stack", "typo1", "--project-dir", project], project);
    expect(run.code).toBe(1);
    // Without a stack file there is no config for the stack: refused before Pulumi is asked, naming the stacks that have one.
    expect(run.stderr).toMatch(/Pulumi\.typo1\.yaml.*does not exist: did you mean --stack .*\? Stacks with a file in .*stacks: dev, prod/);
    expect(standIn.commands()).not.toContain("stack init typo1");
  });

  it("prints a replaced token as `replace`, and resolves --policy-pack and its config against the caller's directory (items 4, 10)", async () => {
    const replacement = [
      ...stepEvents("create-replacement", "drata-g1", undefined, true),
      ...stepEvents("replace", "drata-g1", undefined, true),
      ...stepEvents("delete-replaced", "drata-g1", undefined, true),
    ];
    standIn = installPulumiStandIn({ answers: [answers.selected, answers.state(), { command: ["preview"], events: replacement }] });
    const project = projectCopy();
    const caller = mkdtempSync(path.join(tmpdir(), "cfct-caller-"));
    const run = await cfct(
      ["preview", "--stack", "prod", "--project-dir", project, "--policy-pack", "policies", "--policy-pack-config", "pack.json"],
      caller,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^replace drata-g1$/m);
    expect(run.stdout).not.toMatch(/delete/);
    const preview = standIn.calls().find((call) => call.argv[0] === "preview")!;
    expect(preview.cwd).toBe(project);
    expect(preview.argv).toEqual(
      expect.arrayContaining(["--policy-pack", path.join(caller, "policies"), "--policy-pack-config", path.join(caller, "pack.json")]),
    );
  });
});
