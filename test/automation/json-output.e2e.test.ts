import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cfct, type CliRun } from "../helpers/cli-run";
import { ACME_CORP, rehearsalArgs, rehearsalEnv, testProject } from "../helpers/pipeline";
import { useSandbox } from "../helpers/sandbox";

const CANARY = "JSONCANARY_";
const sandbox = useSandbox({ port: 0, tokenPrefix: CANARY });

/** stdout is exactly one JSON object, and no token value appears anywhere. */
function onlyObject(run: CliRun): Record<string, any> {
  expect(run.stdout.trim().split("\n"), run.stdout + run.stderr).toHaveLength(1);
  expect(run.stdout + run.stderr).not.toContain(CANARY);
  return JSON.parse(run.stdout) as Record<string, any>;
}

describe("--json for up, rotate, destroy and evidence verify", () => {
  it("each prints exactly one object: the run's record and where it was written; progress goes to stderr", async () => {
    const project = testProject("jsonruns");
    project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    const run = (command: string, ...extra: string[]) =>
      cfct([command, ...rehearsalArgs(sandbox, project), "--json", ...extra], rehearsalEnv(sandbox, project));

    const up = onlyObject(await run("up"));
    expect(up).toMatchObject({ ok: true, command: "up", stack: "jsonruns", problems: [] });
    expect(up.tokens.map((t: any) => [t.logicalName, t.change, t.verify.ok, t.registration.status])).toEqual([
      ["drata-g1", "create", true, "handed-off"],
    ]);
    expect(up.evidence.json).toMatch(/evidence\/jsonruns\/.*-up\.json$/);
    expect(up.evidence.markdown).toMatch(/-up\.md$/);

    const rotate = onlyObject(await run("rotate", "--force", "--grace", "24h"));
    expect(rotate).toMatchObject({ ok: true, command: "rotate", waiting: ["drata"] });
    expect(rotate.rotation.map((e: any) => e.event)).toContain("successor-created");

    const destroy = onlyObject(await run("destroy"));
    expect(destroy).toMatchObject({ ok: true, command: "destroy" });

    const verified = onlyObject(await cfct(["evidence", "verify", "--dir", path.join(project.dir, "evidence", "jsonruns"), "--json"]));
    expect(verified).toMatchObject({ ok: true, verified: 3, unchained: [], head: { sequence: 3 }, problem: null });
  }, 180_000);
});

describe("every command with --json prints its error as JSON on stdout too", () => {
  const project = testProject("jsonerrors");
  project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
  const home = mkdtempSync(path.join(tmpdir(), "cfct-home-"));
  const noSandbox = ["--stack", "jsonerrors", "--engine", "sandbox", "--project-dir", project.dir];
  it.each([
    { command: "plan", args: ["plan", "--stack", "globx", "--project-dir", project.dir], says: /did you mean --stack/ },
    { command: "up", args: ["up", ...noSandbox], says: /no `cfct sandbox` is running/ },
    { command: "rotate", args: ["rotate", ...noSandbox], says: /no `cfct sandbox` is running/ },
    { command: "destroy", args: ["destroy", ...noSandbox], says: /no `cfct sandbox` is running/ },
    {
      command: "verify",
      args: ["verify", "--platform", "nope"],
      says: /option '--platform <key>' argument 'nope' is invalid\. Allowed choices are ascera, /,
    },
    { command: "audit", args: ["audit", ...noSandbox], says: /no `cfct sandbox` is running/ },
    {
      command: "diff",
      args: ["diff", "--stack", "prod", "--base", "no-such-ref"],
      says: /--base no-such-ref is not a git commit or branch/,
    },
    {
      command: "sandbox-parity",
      args: ["sandbox-parity", "--account", "acme", "--zone", "x"],
      says: /--account "acme" is not a Cloudflare ID/,
    },
    { command: "evidence verify", args: ["evidence", "verify", "--dir", path.join(home, "none")], says: /is not a directory/ },
    { command: "a flag commander refuses", args: ["up", "--stack", "dev", "--no-such-flag"], says: /unknown option '--no-such-flag'/ },
  ])(
    "cfct $command --json",
    async ({ args, says }) => {
      const run = await cfct([...args, "--json"], { HOME: home, CLOUDFLARE_API_TOKEN: undefined });
      expect(run.code).toBe(1);
      const body = onlyObject(run);
      expect(body).toEqual({ ok: false, error: expect.any(Object) });
      // The whole message, and its parts apart: what went wrong, and (when the message has one) the fix.
      const { message, exitCode, summary, ...parts } = body.error;
      expect(message).toMatch(says);
      expect(exitCode).toBe(1);
      expect(message).toContain(summary);
      expect(Object.keys(parts).filter((key) => key !== "fix" && key !== "docs")).toEqual([]);
      expect(run.stderr).toMatch(says);
    },
    60_000,
  );
});
