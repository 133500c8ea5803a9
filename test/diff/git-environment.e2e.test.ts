import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { loadBase } from "../../src/diff/base";

describe("cfct diff's git children get the scrubbed environment (issue 24 item 8)", () => {
  it("GIT_DIR in cfct's environment does not steer --base to another repository", () => {
    const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, stdio: "ignore", env: { PATH: process.env.PATH } });
    const commitAll = (cwd: string) => {
      git(cwd, "init", "-q");
      git(cwd, "add", "-A");
      git(cwd, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "c", "--allow-empty");
    };
    const project = mkdtempSync(path.join(tmpdir(), "cfct-gitenv-"));
    mkdirSync(path.join(project, "stacks"));
    copyFileSync("stacks/Pulumi.dev.yaml", path.join(project, "stacks", "Pulumi.dev.yaml"));
    commitAll(project);
    const decoy = mkdtempSync(path.join(tmpdir(), "cfct-gitenv-decoy-"));
    writeFileSync(path.join(decoy, "README"), "another repository\n");
    commitAll(decoy);

    vi.stubEnv("GIT_DIR", path.join(decoy, ".git"));
    const base = loadBase(
      { ref: "HEAD", flag: "--base-ref" },
      { projectDir: project, headFile: path.join(project, "stacks", "Pulumi.dev.yaml"), stack: "dev" },
    );
    expect(base.settings?.connections.length).toBeGreaterThan(0);
  });
});
