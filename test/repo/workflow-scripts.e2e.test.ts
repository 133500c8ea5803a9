import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { recordFiles, recordHash } from "../../src/evidence/chain";
import type { ChainLink, EvidenceRecord } from "../../src/evidence/record";
import { renderEvidenceMarkdown, writeEvidence } from "../../src/evidence/write";
import { evidenceContent } from "../helpers/histories";

const SCRIPTS = path.resolve(".github/scripts");
const CFCT = `${process.execPath} ${path.resolve("bin/cfct.js")}`;
const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function script(name: string, args: string[], cwd: string, env: Record<string, string> = {}): Run {
  try {
    const stdout = execFileSync(path.join(SCRIPTS, name), args, {
      cwd,
      env: { ...process.env, ...GIT_ENV, ...env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const root = () => mkdtempSync(path.join(tmpdir(), "cfct-workflow-scripts-"));

describe("pr-stack-files.sh: the pull request's stack files as data, nothing of it checked out", () => {
  function repos() {
    const dir = root();
    const origin = path.join(dir, "origin.git");
    git(dir, "init", "--bare", "--initial-branch=main", origin);
    // GitHub serves any commit reachable from a ref (refs/pull/N/head for a pull request) by SHA.
    git(origin, "config", "uploadpack.allowReachableSHA1InWant", "true");
    const author = path.join(dir, "author");
    git(dir, "clone", origin, author);
    mkdirSync(path.join(author, "stacks"));
    writeFileSync(path.join(author, "stacks/Pulumi.prod.yaml"), "base\n");
    git(author, "add", ".");
    git(author, "commit", "-m", "base");
    git(author, "push", "origin", "HEAD:main");
    const base = path.join(dir, "base");
    git(dir, "clone", "--depth=1", `file://${origin}`, base);
    writeFileSync(path.join(author, "stacks/Pulumi.prod.yaml"), "from the pull request\n");
    symlinkSync("/etc/hostname", path.join(author, "stacks/Pulumi.dev.yaml"));
    writeFileSync(path.join(author, "package.json"), '{"scripts":{"prepare":"touch /tmp/pwned"}}\n');
    git(author, "add", ".");
    git(author, "commit", "-m", "pull request");
    git(author, "push", "origin", "HEAD:refs/pull/1/head");
    return { dir, base, sha: git(author, "rev-parse", "HEAD").trim() };
  }

  it("copies the named files' blobs, skips absent ones, and leaves the base checkout as it was", () => {
    const { dir, base, sha } = repos();
    const out = path.join(dir, "pr");
    const run = script("pr-stack-files.sh", [sha, out, "stacks/Pulumi.prod.yaml", "policies/config.prod.json"], base);
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(path.join(out, "stacks/Pulumi.prod.yaml"), "utf8")).toBe("from the pull request\n");
    expect(run.stdout).toContain("policies/config.prod.json: not in the pull request's head");
    expect(readdirSync(out)).toEqual(["stacks"]);
    expect(git(base, "status", "--porcelain")).toBe("");
    expect(readFileSync(path.join(base, "stacks/Pulumi.prod.yaml"), "utf8")).toBe("base\n");
    expect(existsSync(path.join(base, "package.json"))).toBe(false);
  });

  it("refuses a symlink (it could point at a runner file) and anything but a full SHA", () => {
    const { dir, base, sha } = repos();
    const link = script("pr-stack-files.sh", [sha, path.join(dir, "pr"), "stacks/Pulumi.dev.yaml"], base);
    expect(link.status).toBe(1);
    expect(link.stderr).toMatch(/stacks\/Pulumi\.dev\.yaml is not a regular file in [0-9a-f]{40} \(mode 120000, blob\): refused/);
    expect(existsSync(path.join(dir, "pr", "stacks/Pulumi.dev.yaml"))).toBe(false);
    expect(script("pr-stack-files.sh", ["main", path.join(dir, "pr"), "stacks/Pulumi.prod.yaml"], base).stderr).toContain(
      "main is not a full commit SHA",
    );
  });
});

describe("diff-report.sh: the gate's comment holds only what cfct diff printed", { timeout: 180_000 }, () => {
  it("a violating stack file fails the gate with the verdict; an unreadable one is named by exit code, its text never echoed", () => {
    const pr = root();
    mkdirSync(path.join(pr, "stacks"));
    const prod = readFileSync("stacks/Pulumi.prod.yaml", "utf8").replace(/ttlDays: \d+/, "ttlDays: 365");
    writeFileSync(path.join(pr, "stacks/Pulumi.prod.yaml"), prod);
    writeFileSync(path.join(pr, "stacks/Pulumi.dev.yaml"), "config:\n  cf-compliance-tokens:connections: '<img src=x> @octocat'\n");
    const comment = path.join(pr, "comment.md");
    const run = script("diff-report.sh", [path.resolve("."), pr, comment, "prod", "dev", "staging"], pr);
    expect(run.status).toBe(2);
    const body = readFileSync(comment, "utf8");
    expect(body).toContain("### cfct diff — stack prod");
    expect(body).toContain("Policy pack: **FAILS**");
    expect(body).toContain("cfct diff (dev) stopped with exit 1 before it could judge the change: the job log says why.");
    expect(body).toContain("cfct diff (staging): the pull request has no stacks/Pulumi.staging.yaml.");
    expect(body).not.toContain("<img");
    expect(body).not.toContain("@octocat");
  });
});

describe("evidence-chain.sh: one stack's chain carried across CI runs on the evidence branch", { timeout: 180_000 }, () => {
  /** origin with an empty cfct-evidence branch; a stand-in `gh` that verifies only what `attest` signed. */
  function world() {
    const dir = root();
    const origin = path.join(dir, "origin.git");
    git(dir, "init", "--bare", "--initial-branch=cfct-evidence", origin);
    const seed = path.join(dir, "seed");
    git(dir, "clone", origin, seed);
    git(seed, "commit", "--allow-empty", "-m", "evidence chain");
    git(seed, "push", "origin", "HEAD:cfct-evidence");
    const attested = path.join(dir, "attested");
    writeFileSync(attested, "");
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, "gh"),
      `#!/bin/sh\necho "$@" >> '${path.join(dir, "gh-calls")}'\ngrep -q "$(sha256sum "$3" | cut -d' ' -f1)" '${attested}'\n`,
    );
    chmodSync(path.join(bin, "gh"), 0o755);
    const env = { CFCT, PATH: `${bin}:${process.env["PATH"]}`, GITHUB_REPOSITORY: "acme/cfct", GITHUB_RUN_ID: "7" };
    /** One CI run: check out the branch, restore, let `work` append records, anchor, "attest", push. */
    const ciRun = (work: (evidenceDir: string) => void) => {
      const job = mkdtempSync(path.join(dir, "job-"));
      git(job, "clone", "--branch", "cfct-evidence", origin, ".cfct-evidence");
      const steps: Record<string, Run> = {};
      for (const step of ["restore", "attested"]) {
        steps[step] = script("evidence-chain.sh", [step, "prod"], job, env);
        if (steps[step]!.status !== 0) return { job, steps };
      }
      work(path.join(job, "evidence"));
      steps["anchor"] = script("evidence-chain.sh", ["anchor", "prod"], job, env);
      for (const file of readdirSync(path.join(job, "evidence-new", "prod")))
        writeFileSync(
          attested,
          `${readFileSync(attested, "utf8")}${createHash("sha256")
            .update(readFileSync(path.join(job, "evidence-new", "prod", file)))
            .digest("hex")}\n`,
        );
      steps["push"] = script("evidence-chain.sh", ["push", "prod"], job, env);
      return { job, steps };
    };
    return { dir, origin, env, ciRun };
  }

  it("each run restores the chain, appends to it and anchors its new head; the branch holds records and anchors", () => {
    const { dir, origin, ciRun } = world();
    const first = ciRun((evidence) => writeEvidence(evidence, evidenceContent("audit", "2026-01-05T06:41:00.000Z")));
    expect(first.steps["restore"]!.stdout).toContain("this run starts the chain");
    expect(first.steps["anchor"]!.stdout).toMatch(/anchored #1 sha256 [0-9a-f]{64} \(1 new record\(s\)\)/);
    expect(first.steps["push"]!.status, first.steps["push"]!.stderr).toBe(0);

    const second = ciRun((evidence) => writeEvidence(evidence, evidenceContent("audit", "2026-01-12T06:41:00.000Z")));
    expect(second.steps["attested"]!.stdout).toMatch(/the newest anchored head \(#1 sha256 [0-9a-f]{64}\) was attested/);
    expect(second.steps["anchor"]!.stdout).toContain("anchored #2 sha256");
    expect(second.steps["push"]!.status).toBe(0);

    const tip = path.join(dir, "tip");
    git(dir, "clone", "--branch", "cfct-evidence", origin, tip);
    expect(readFileSync(path.join(tip, "anchors/prod.txt"), "utf8")).toMatch(
      /^#1 sha256 [0-9a-f]{64} \S+ \/acme\/cfct\/actions\/runs\/7\n#2 sha256 /,
    );
    expect(recordFiles(path.join(tip, "evidence/prod"))).toHaveLength(2);
    const calls = readFileSync(path.join(dir, "gh-calls"), "utf8");
    expect(calls).toContain("attestation verify");
    expect(calls).toContain(
      "--cert-identity-regex ^https://github\\.com/acme/cfct/\\.github/workflows/(deploy|rotate|audit)\\.yml@refs/heads/main$",
    );
  });

  it("an insider who rewrites the chain on the branch is caught: by the anchors, or, when they re-anchor too, by the attestation", () => {
    const { dir, origin, ciRun } = world();
    ciRun((evidence) => writeEvidence(evidence, evidenceContent("audit", "2026-01-05T06:41:00.000Z")));
    ciRun((evidence) => writeEvidence(evidence, evidenceContent("audit", "2026-01-12T06:41:00.000Z")));

    // Rewrite record #1 (ok: false -> a different record) and re-seal everything after it.
    const insider = path.join(dir, "insider");
    git(dir, "clone", "--branch", "cfct-evidence", origin, insider);
    let previous: string | null = null;
    const heads: string[] = [];
    for (const file of recordFiles(path.join(insider, "evidence/prod"))) {
      const record = JSON.parse(readFileSync(file, "utf8")) as EvidenceRecord;
      if (record.chain!.sequence === 1) record.apiCalls = 0;
      const link: ChainLink = { sequence: record.chain!.sequence, previous, hash: "" };
      const resealed: EvidenceRecord = { ...record, chain: { ...link, hash: recordHash({ ...record, chain: link }) } };
      writeFileSync(file, `${JSON.stringify(resealed, null, 2)}\n`);
      writeFileSync(file.replace(/\.json$/, ".md"), renderEvidenceMarkdown(resealed));
      previous = resealed.chain!.hash;
      heads.push(`#${link.sequence} sha256 ${previous}`);
    }
    git(insider, "commit", "-qam", "tidy evidence");
    git(insider, "push", "origin", "HEAD:cfct-evidence");
    const caughtByAnchors = ciRun(() => undefined);
    expect(caughtByAnchors.steps["restore"]!.status).toBe(2);
    expect(caughtByAnchors.steps["restore"]!.stderr).toContain("the restored chain does not hold its anchored heads");

    // Now the anchors file too: the chain and its anchors agree, but no workflow on main attested the new head.
    writeFileSync(path.join(insider, "anchors/prod.txt"), `${heads.join("\n")}\n`);
    git(insider, "commit", "-qam", "tidy anchors");
    git(insider, "push", "origin", "HEAD:cfct-evidence");
    const caughtByAttestation = ciRun(() => undefined);
    expect(caughtByAttestation.steps["attested"]!.status).toBe(2);
    expect(caughtByAttestation.steps["attested"]!.stderr).toContain("carries no attestation from this repository's workflows on main");
  });
});
