import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const CANARY = "CANARY_";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe("cfct demo, run as a user runs it", () => {
  it("exits 0, tells the story and writes its HTML report; no token value reaches stdout, stderr or any file but a 0600 hand-off sheet", () => {
    const out = mkdtempSync(path.join(tmpdir(), "cfct-demo-leak-"));
    const evidenceDir = path.join(out, "evidence");
    const workDir = path.join(out, "work");
    const home = path.join(out, "home");
    const result = spawnSync(process.execPath, ["bin/cfct.js", "demo", "--evidence-dir", evidenceDir, "--work-dir", workDir], {
      encoding: "utf8",
      env: { ...process.env, CFCT_SANDBOX_TOKEN_PREFIX: CANARY, HOME: home },
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("3 rotations finished with no gap");
    expect(result.stdout).toMatch(/Datadog's registered through Datadog's API \(\d+ calls to the stand-in\)/);
    expect(result.stdout).toMatch(
      /cfct dev datadog g1: registered -> http:\/\/127\.0\.0\.1:\d+\/api\/v2\/integrations\/cloudflare\/accounts\/[0-9a-f]{32}/,
    );
    expect(result.stdout).toContain("engine: sandbox (rehearsal");
    expect(result.stdout).toMatch(/FAIL exactness:groups: missing "Access: Audit Logs Read"/);

    expect(result.stdout).not.toContain(CANARY);
    expect(result.stderr).not.toContain(CANARY);

    const written = [...filesUnder(out)];
    expect(written.some((f) => f.endsWith(".json") && f.includes("evidence"))).toBe(true);
    // The demo ends with its HTML report: named on stdout, and holding IDs, never a value or a sheet's contents.
    const report = path.join(evidenceDir, "dev", "report.html");
    expect(result.stdout).toContain(`Report: ${report} (open it in a browser`);
    const page = readFileSync(report, "utf8");
    expect(page).toMatch(/data-bar="" data-key="drata"/);
    expect(page).not.toContain(CANARY);
    expect(page).not.toContain("In Drata, go to Connections > Available Connections."); // the hand-off sheet's instructions
    const holders = written.filter((f) => readFileSync(f, "utf8").includes(CANARY));
    // The hand-off sheets are the registration channel for Drata: the only files allowed to hold a value.
    expect(holders.length).toBeGreaterThan(0);
    for (const file of holders) {
      expect(file, `${file} holds a token value`).toMatch(/[/\\]handoff[/\\][^/\\]+\.md$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
  }, 150_000); // the whole demo in a child process (its own limit is 120 s): well past 30 s on a loaded 2-core machine
});
