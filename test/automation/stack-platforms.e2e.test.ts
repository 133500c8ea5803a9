import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { accessReviewSchema } from "../../src/evidence/access-review";
import { cfct, type CliRun } from "../helpers/cli-run";
import { ACME_CORP, rehearsalArgs, rehearsalEnv, testProject, type TestProject } from "../helpers/pipeline";
import { useSandbox } from "../helpers/sandbox";
import { ACME_GRC, ACME_LEDGER } from "../helpers/platforms";

const CANARY = "PLATFORMCANARY_";
const sandbox = useSandbox({ port: 0, tokenPrefix: CANARY });
let project: TestProject;
const runs: CliRun[] = [];

/** Two platforms the catalog does not have, defined in the stack file: one user-owned (with its own hand-off), one account-owned. */
const PLATFORMS = {
  "acme-grc": {
    ...ACME_GRC,
    handoff: {
      steps: ["In Acme GRC, open Integrations > Cloudflare.", "Paste the token and the account ID below; save."],
      fields: [
        { label: "Cloudflare API token", source: "token" },
        { label: "Account ID", source: "accountId" },
      ],
    },
  },
  "acme-ledger": ACME_LEDGER,
};

beforeAll(() => {
  project = testProject("custom");
  project.writeConfig({
    platforms: PLATFORMS,
    connections: [
      { platform: "acme-grc", accounts: [ACME_CORP], zones: "all" },
      { platform: "acme-ledger", accounts: [ACME_CORP] },
    ],
  });
});

async function run(args: readonly string[]): Promise<CliRun> {
  const result = await cfct(args, rehearsalEnv(sandbox, project));
  runs.push(result);
  return result;
}

const offline = () => ["--stack", project.stack, "--project-dir", project.dir];

// Each step runs the built CLI; on a loaded machine one start takes seconds.
describe("a platform defined in the stack file, end to end against the sandbox", { timeout: 300_000 }, () => {
  it("goes through plan, cfct platforms, rehearsal up, verify, audit and rotate like a built-in, with no token value in any output", async () => {
    const planned = await run(["plan", ...offline(), "--json"]);
    expect(planned.code, planned.stderr).toBe(0);
    const { tokens } = JSON.parse(planned.stdout) as {
      tokens: { key: string; platform: string; owner: unknown; policies: { permissionGroups: { name: string }[] }[] }[];
    };
    expect(tokens.map((t) => [t.key, t.platform, t.owner])).toEqual([
      ["acme-grc", "acme-grc", { kind: "user" }],
      ["acme-ledger-417daa9d", "acme-ledger", { kind: "account", accountId: ACME_CORP }],
    ]);
    expect(tokens[0]!.policies.flatMap((p) => p.permissionGroups.map((g) => g.name))).toEqual(["Account Settings Read", "Zone Read"]);

    const listed = await run(["platforms", ...offline(), "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const platforms = JSON.parse(listed.stdout).platforms as { key: string; definedIn: string }[];
    expect(platforms.filter((p) => p.definedIn === "stack").map((p) => p.key)).toEqual(["acme-grc", "acme-ledger"]);
    expect(platforms.map((p) => p.key)).toContain("drata");

    const shown = await run(["platforms", "show", "acme-grc", ...offline()]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("Acme GRC (acme-grc), defined in the stack file");
    expect(shown.stdout).toContain("source   https://docs.acme-grc.example/cloudflare");
    expect(shown.stdout).toContain("1. In Acme GRC, open Integrations > Cloudflare.");
    expect(shown.stdout).toContain("acme-grc  (acme-grc/default, user-owned, generation 1)");

    const up = await run(["up", ...rehearsalArgs(sandbox, project)]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/acme-grc-g1: verified ok in \d+ API calls/);
    expect(up.stdout).toMatch(/acme-ledger-417daa9d-g1: verified ok in \d+ API calls/);
    expect(up.stdout).toMatch(/acme-grc-g1: handed-off/);
    const sheets = readdirSync(project.handoffDir);
    const grcSheet = readFileSync(
      path.join(
        project.handoffDir,
        sheets.find((f) => f.includes("acme-grc"))!,
      ),
      "utf8",
    );
    expect(grcSheet).toContain("# Acme GRC hand-off");
    // The user-owned token's platform asks for an Account ID: the sheet gives the one account it reads.
    expect(grcSheet).toContain(`- **Account ID**: \`${ACME_CORP}\``);

    const verify = await run(["verify", ...rehearsalArgs(sandbox, project), "--json"]);
    expect(verify.code, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as { ok: boolean; tokens: { tokenKey: string; platform: string; ok: boolean }[] };
    expect(report.ok).toBe(true);
    expect(report.tokens.map((t) => [t.tokenKey, t.platform, t.ok])).toEqual([
      ["acme-grc", "acme-grc", true],
      ["acme-ledger-417daa9d", "acme-ledger", true],
    ]);

    const audit = await run(["audit", ...rehearsalArgs(sandbox, project), "--json"]);
    expect(audit.code, audit.stderr).toBe(0);
    const review = accessReviewSchema.parse(JSON.parse(audit.stdout));
    const managed = review.tokens.filter((t) => t.class === "managed");
    expect(managed.map((t) => t.name).sort()).toEqual(["cfct custom acme-grc g1", "cfct custom acme-ledger-417daa9d g1"]);
    // As planned, read-only, expiring: only the missing IP filter is noted.
    for (const token of managed) expect(token.findings.map((f) => f.id)).toEqual(["no-ip-filter"]);

    const rotate = await run(["rotate", ...rehearsalArgs(sandbox, project), "--force", "--grace", "0h"]);
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toContain("acme-grc g2: successor-created");
    expect(rotate.stdout).toContain("acme-ledger-417daa9d g1: old-revoked");

    for (const result of runs) expect(result.stdout + result.stderr).not.toContain(CANARY);
  });
});
