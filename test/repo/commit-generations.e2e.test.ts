import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SCRIPT = path.resolve(".github/scripts/commit-generations.sh");
const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: "utf8" });
}

/** origin (bare, main with a stack file), the job's checkout, and another clone that pushes meanwhile. */
function repos() {
  const root = mkdtempSync(path.join(tmpdir(), "cfct-commit-gen-"));
  const origin = path.join(root, "origin.git");
  git(root, "init", "--bare", "--initial-branch=main", origin);
  const seed = path.join(root, "seed");
  git(root, "clone", origin, seed);
  execFileSync("mkdir", ["-p", path.join(seed, "stacks")]);
  writeFileSync(path.join(seed, "stacks/Pulumi.prod.yaml"), "config:\n  a: 1\n  cf-compliance-tokens:generations: '{}'\n");
  git(seed, "add", ".");
  git(seed, "commit", "-m", "seed");
  git(seed, "push", "origin", "HEAD:main");
  const job = path.join(root, "job");
  git(root, "clone", origin, job);
  const other = path.join(root, "other");
  git(root, "clone", origin, other);
  // A stand-in `gh` that records how it was called.
  const bin = path.join(root, "bin");
  execFileSync("mkdir", ["-p", bin]);
  writeFileSync(path.join(bin, "gh"), `#!/bin/sh\necho "$@" > '${path.join(root, "gh-call")}'\n`);
  chmodSync(path.join(bin, "gh"), 0o755);
  const run = (env: Record<string, string> = {}) =>
    execFileSync(SCRIPT, ["cfct up: token generations"], {
      cwd: job,
      env: { ...process.env, PATH: `${bin}:${process.env["PATH"]}`, GITHUB_RUN_ID: "42", ...env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  return { root, origin, job, other, run };
}

describe("commit-generations.sh: the generations record survives a concurrent push to main", () => {
  it("main moved meanwhile (a merge, another run's push): rebases, retries, and both commits are on main", () => {
    const { job, other, origin, run } = repos();
    writeFileSync(path.join(other, "README.md"), "merged meanwhile\n");
    git(other, "add", "README.md");
    git(other, "commit", "-m", "rotate pushed first");
    git(other, "push", "origin", "HEAD:main");
    writeFileSync(path.join(job, "stacks/Pulumi.prod.yaml"), "config:\n  a: 1\n  cf-compliance-tokens:generations: '{\"drata\":1}'\n");
    run();
    expect(git(origin, "log", "--format=%s", "main")).toBe("cfct up: token generations\nrotate pushed first\nseed\n");
    expect(git(origin, "show", "main:stacks/Pulumi.prod.yaml")).toBe(
      "config:\n  a: 1\n  cf-compliance-tokens:generations: '{\"drata\":1}'\n",
    );
  });

  it("the same record changed on both sides: no force, the commit goes to a branch and a pull request", () => {
    const { root, job, other, origin, run } = repos();
    writeFileSync(path.join(other, "stacks/Pulumi.prod.yaml"), "config:\n  a: 1\n  cf-compliance-tokens:generations: '{\"ascera\":2}'\n");
    git(other, "commit", "-am", "rotate pushed first");
    git(other, "push", "origin", "HEAD:main");
    writeFileSync(path.join(job, "stacks/Pulumi.prod.yaml"), "config:\n  a: 1\n  cf-compliance-tokens:generations: '{\"drata\":1}'\n");
    expect(run()).toContain("opened a pull request from cfct/generations-42");
    expect(git(origin, "log", "--format=%s", "main")).toBe("rotate pushed first\nseed\n");
    expect(git(origin, "log", "--format=%s", "cfct/generations-42", "-1")).toBe("cfct up: token generations\n");
    expect(readFileSync(path.join(root, "gh-call"), "utf8")).toMatch(
      /^pr create --base main --head cfct\/generations-42 --title cfct up: token generations/,
    );
  });

  it("HEAD is not on main (a run dispatched from another branch): refused before any commit, nothing pushed anywhere", () => {
    const { root, job, origin, run } = repos();
    writeFileSync(path.join(job, "README.md"), "an unreviewed change\n");
    git(job, "add", "README.md");
    git(job, "commit", "-m", "unreviewed");
    writeFileSync(path.join(job, "stacks/Pulumi.prod.yaml"), "config:\n  a: 1\n  cf-compliance-tokens:generations: '{\"drata\":1}'\n");
    let failure: { status: number; stderr: string } | undefined;
    try {
      run();
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain("refusing to commit the generations record: HEAD");
    expect(failure?.stderr).toContain("has commits that are not on origin/main");
    expect(git(origin, "log", "--format=%s", "main")).toBe("seed\n");
    expect(git(origin, "for-each-ref", "--format=%(refname)")).toBe("refs/heads/main\n");
    expect(git(job, "log", "--format=%s", "-1")).toBe("unreviewed\n");
    expect(() => readFileSync(path.join(root, "gh-call"), "utf8")).toThrow();
  });

  it("the push token reaches git through the script's environment only: nothing of it is written to .git/config", () => {
    const { job, origin, run } = repos();
    writeFileSync(path.join(job, "stacks/Pulumi.prod.yaml"), "config:\n  a: 1\n  cf-compliance-tokens:generations: '{\"drata\":1}'\n");
    run({ GH_TOKEN: "ghs_CANARY_push_token" });
    expect(git(origin, "log", "--format=%s", "main")).toBe("cfct up: token generations\nseed\n");
    const config = readFileSync(path.join(job, ".git/config"), "utf8");
    expect(config).not.toContain("CANARY");
    expect(config).not.toContain(Buffer.from("x-access-token:ghs_CANARY_push_token").toString("base64"));
  });

  it("nothing changed under stacks/: no commit, no push", () => {
    const { job, origin, run } = repos();
    expect(run()).toContain("no generation change");
    expect(git(origin, "log", "--format=%s", "main")).toBe("seed\n");
    expect(git(job, "status", "--porcelain")).toBe("");
  });
});
