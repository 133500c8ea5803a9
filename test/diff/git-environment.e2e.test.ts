import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderReviewCsv } from "../../src/audit/render";
import { loadBase } from "../../src/diff/base";
import type { AccessReview } from "../../src/evidence/access-review";

describe("CSV exports never start a field with a formula trigger (issue 24 item 8)", () => {
  it("a token named with a leading tab or carriage return is prefixed, as =, +, - and @ are", () => {
    const names = ["\t=HYPERLINK(1)", "\r=cmd", "=1+1", "@SUM(1)", "plain"];
    const review: AccessReview = {
      stack: "dev",
      generatedAt: "2026-12-07T00:00:00Z",
      tokens: names.map((name, i) => ({
        id: `id${i}`,
        name,
        owner: { kind: "user" },
        class: "unmanaged",
        status: "active",
        lastUsedOn: null,
        expiresOn: null,
        groups: [],
        findings: [],
      })),
      notReviewed: [],
      summary: { tokens: names.length, byClass: {}, findings: {}, highest: null },
    } as unknown as AccessReview;
    const nameFields = renderReviewCsv(review)
      .split('"\r\n"')
      .slice(1)
      .map((row) => row.split('","')[1]);
    expect(nameFields).toEqual(["'\t=HYPERLINK(1)", "'\r=cmd", "'=1+1", "'@SUM(1)", "plain"]);
  });
});

describe("cfct diff's git children get the scrubbed environment (issue 24 item 8)", () => {
  afterEach(() => vi.unstubAllEnvs());

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
