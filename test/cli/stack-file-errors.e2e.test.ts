import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cfctUnableToRead } from "../helpers/unreadable";

function cfct(args: string[], cwd = process.cwd()) {
  const result = spawnSync(process.execPath, [path.resolve("bin/cfct.js"), ...args], { encoding: "utf8", cwd });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-stackfile-"));
  copyFileSync(path.resolve("Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  mkdirSync(path.join(dir, "stacks"));
  writeFileSync(path.join(dir, "stacks", "Pulumi.prod.yaml"), "config: {}\n");
  writeFileSync(path.join(dir, "stacks", "Pulumi.dev.yaml"), "config: {}\n");
  return dir;
}

describe("an unknown stack", () => {
  it.each(["up", "rotate", "preview", "doctor", "audit"])(
    "cfct %s --stack globx: did you mean, exit 1, and no evidence folder or state",
    (command) => {
      const dir = project();
      const evidence = path.join(dir, "evidence");
      const run = cfct([command, "--stack", "globx", "--engine", "sandbox", "--project-dir", dir, "--evidence-dir", evidence]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("stacks/Pulumi.globx.yaml");
      expect(run.stderr).toMatch(
        /does not exist: did you mean --stack prod\? Stacks with a file in .*stacks: dev, prod\. Fix: pass one of them with --stack, or create .*Pulumi\.globx\.yaml/,
      );
      expect(existsSync(evidence)).toBe(false);
      expect(existsSync(path.join(dir, ".cfct"))).toBe(false);
    },
    60_000,
  );

  it("cfct verify --stack globx --engine sandbox too", () => {
    const dir = project();
    const evidence = path.join(dir, "evidence");
    const run = cfct(["verify", "--stack", "globx", "--engine", "sandbox", "--project-dir", dir, "--evidence-dir", evidence]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("did you mean --stack prod?");
    expect(existsSync(evidence)).toBe(false);
  }, 60_000);
});

describe("a stack file that cannot be read says why, with the fix for that cause", () => {
  it("a directory where the stack file should be", () => {
    const dir = project();
    mkdirSync(path.join(dir, "stacks", "Pulumi.x.yaml"));
    const run = cfct(["plan", "--stack", "x", "--project-dir", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Pulumi.x.yaml");
    expect(run.stderr).toContain("is a directory, not a stack file. Fix: move the directory away and put the stack's YAML file");
    expect(run.stderr).not.toContain("Fix: create it");
  });

  it("a file this user may not read", () => {
    const dir = project();
    for (const folder of [dir, path.join(dir, "stacks")]) chmodSync(folder, 0o755);
    const run = cfctUnableToRead(path.join(dir, "stacks", "Pulumi.prod.yaml"), ["plan", "--stack", "prod", "--project-dir", dir], {
      directory: false,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("cannot be read by this user (EACCES). Fix: make it readable");
  });
});
