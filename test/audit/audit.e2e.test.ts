import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { accessReviewSchema, type AccessReview, type ReviewedToken } from "../../src/evidence/access-review";
import { ACME_CORP, advanceClock, rehearsalArgs, rehearsalEnv, testProject, type TestProject } from "../helpers/pipeline";
import { issueToken, rfc3339, sandboxNow } from "../helpers/verify";
import { cfct, type CliRun } from "../helpers/cli-run";
import { useSandbox } from "../helpers/sandbox";
import { setMemberRoles } from "../../src/sandbox/control-client";

const CANARY = "AUDITCANARY_";
const sandbox = useSandbox({ port: 0, tokenPrefix: CANARY });
let project: TestProject;
const runs: CliRun[] = [];

beforeAll(async () => {
  project = testProject("dev");
  project.writeConfig({
    connections: [
      { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] },
      { platform: "ascera", accounts: [ACME_CORP] },
    ],
  });
});

const evidenceDir = () => path.join(project.dir, "evidence");
const stackArgs = () => rehearsalArgs(sandbox, project);

/** `provisionerToken`: a lesser credential of the sandbox to run with. */
async function run(args: readonly string[], { provisionerToken }: { provisionerToken?: string } = {}): Promise<CliRun> {
  const result = await cfct(args, rehearsalEnv(sandbox, project, provisionerToken ? { provisionerToken } : {}));
  runs.push(result);
  return result;
}

async function audit(...extra: string[]): Promise<{ run: CliRun; review: AccessReview; byName: (name: string) => ReviewedToken }> {
  const result = await run(["audit", ...stackArgs(), "--json", ...extra]);
  const review = accessReviewSchema.parse(JSON.parse(result.stdout));
  const byName = (name: string) => {
    const token = review.tokens.find((t) => t.name === name);
    if (!token) throw new Error(`no token named ${name} in ${review.tokens.map((t) => t.name).join(", ")}`);
    return token;
  };
  return { run: result, review, byName };
}

const findingIds = (token: ReviewedToken) => token.findings.map((f) => `${f.severity}:${f.id}`).sort();

// Each test runs the built CLI several times; on a loaded machine one start takes seconds.
describe("cfct audit against the sandbox", { timeout: 180_000 }, () => {
  it("classes the stack's, orphaned, look-alike and hand-made tokens and judges each", async () => {
    const up = await run(["up", ...stackArgs()]);
    expect(up.code, up.stderr).toBe(0);

    // A hand-made token with a write group and no expiry; one named like the stack's but undeclared;
    // one whose name only starts like the stack's (a loose prefix match would take it for drata's).
    await issueToken(sandbox, {
      owner: { kind: "account", accountId: ACME_CORP },
      name: "zero trust admin (hand-made)",
      expiresOn: null,
      policies: [
        {
          groups: [{ name: "Access: Apps and Policies Write", scope: "com.cloudflare.api.account" }],
          resources: { [`com.cloudflare.api.account.${ACME_CORP}`]: "*" },
        },
      ],
    });
    const readZone = {
      groups: [{ name: "Zone Read", scope: "com.cloudflare.api.account.zone" as const }],
      resources: { "com.cloudflare.api.account.zone.576e2aa970f9f4e230116c7c1d498a24": "*" },
    };
    await issueToken(sandbox, { owner: { kind: "user" }, name: "cfct dev drata g7", allowedIps: ["127.0.0.0/8"], policies: [readZone] });
    await issueToken(sandbox, {
      owner: { kind: "user" },
      name: "cfct dev drata-gold g1",
      allowedIps: ["127.0.0.0/8"],
      policies: [readZone],
    });
    await issueToken(sandbox, {
      owner: { kind: "user" },
      name: "paused reader",
      status: "disabled",
      allowedIps: ["127.0.0.0/8"],
      policies: [readZone],
    });
    const soon = rfc3339(new Date((await sandboxNow(sandbox)).getTime() + 3_600_000));
    await issueToken(sandbox, {
      owner: { kind: "user" },
      name: "short-lived reader",
      expiresOn: soon,
      allowedIps: ["127.0.0.0/8"],
      policies: [readZone],
    });
    await advanceClock(sandbox, 7200);

    const { run: result, review, byName } = await audit();
    expect(result.code, result.stderr).toBe(2); // a high finding, and --fail-on defaults to high

    expect(byName("cfct dev drata g1").class).toBe("managed");
    expect(byName("cfct dev ascera-417daa9d g1")).toMatchObject({ class: "managed", owner: { kind: "account", accountId: ACME_CORP } });
    // The stack's own tokens: expiring, read-only, as planned; only the missing IP filter is noted.
    expect(findingIds(byName("cfct dev drata g1"))).toEqual(["low:no-ip-filter"]);

    const handMade = byName("zero trust admin (hand-made)");
    expect(handMade.class).toBe("unmanaged");
    expect(findingIds(handMade)).toEqual(["high:write-access", "low:no-ip-filter", "medium:no-expiry"]);
    expect(handMade.findings.find((f) => f.id === "write-access")!.detail).toContain('"Access: Apps and Policies Write"');

    expect(byName("cfct dev drata g7").class).toBe("orphaned");
    expect(byName("cfct dev drata-gold g1").class).toBe("unmanaged");
    expect(findingIds(byName("paused reader"))).toEqual(["medium:disabled"]);
    expect(findingIds(byName("short-lived reader"))).toEqual(["low:expired"]);

    // The provisioner holds API Tokens Write by necessity: that is not a finding, its missing expiry is.
    const provisioner = review.tokens.find((t) => t.class === "provisioner")!;
    expect(provisioner.name).toBe("cfct provisioner");
    expect(provisioner.findings.map((f) => f.id)).not.toContain("write-access");

    expect(review.summary).toMatchObject({
      tokens: review.tokens.length,
      byClass: { managed: 2, orphaned: 1, provisioner: 1, unmanaged: 4 },
      highest: "high",
    });
  });

  it("reports a managed token whose policies were changed by hand as drift, whatever order Cloudflare returns them in", async () => {
    const provisioner = createCloudflareClient({ apiToken: sandbox.provisionerToken, baseUrl: sandbox.baseUrl, maxRetries: 0 });
    const drata = (await provisioner.listTokens({ kind: "user" })).find((t) => t.name === "cfct dev drata g1")!;
    const groups = await provisioner.permissionGroups({ kind: "user" });
    const dnsWrite = groups.find((g) => g.name === "DNS Write")!;
    // Cloudflare's PUT replaces the token: send it back reversed, with one more (write) group.
    const policies = [...drata.policies!].reverse().map((p, i) => ({
      effect: p.effect!,
      resources: p.resources as Record<string, string>,
      permission_groups: [...p.permission_groups!.map((g) => ({ id: g.id })).reverse(), ...(i === 0 ? [{ id: dnsWrite.id }] : [])],
    }));
    await provisioner.updateToken({ kind: "user" }, drata.id!, {
      name: drata.name!,
      policies,
      ...(drata.expires_on ? { expires_on: drata.expires_on } : {}),
    });
    // Same token, only reordered: no drift.
    const { byName } = await audit("--fail-on", "none");
    const findings = byName("cfct dev drata g1").findings;
    expect(findings.filter((f) => f.id === "drift").map((f) => f.detail)).toEqual([expect.stringContaining('"DNS Write"')]);
    expect(findings.map((f) => f.id)).toContain("write-access");
    expect(findingIds(byName("cfct dev ascera-417daa9d g1")).filter((f) => f.startsWith("high"))).toEqual([]);
  });

  it("--fail-on: none never fails, a bad value is a usage error naming the choices", async () => {
    expect((await audit("--fail-on", "none")).run.code).toBe(0);
    const bad = await run(["audit", ...stackArgs(), "--fail-on", "critical"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "option '--fail-on <severity>' argument 'critical' is invalid. Allowed choices are low, medium, high, none.",
    );
  });

  it("--out writes a Markdown review ending in the sign-off table and naming the controls, the same as HTML, and a CSV", async () => {
    const out = path.join(project.dir, "review");
    const result = await run(["audit", ...stackArgs(), "--out", out, "--fail-on", "none"]);
    expect(result.code, result.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      expect.stringMatching(/^access-review-dev-\d{4}-\d{2}-\d{2}\.csv$/),
      expect.stringMatching(/^access-review-dev-\d{4}-\d{2}-\d{2}\.html$/),
      expect.stringMatching(/^access-review-dev-\d{4}-\d{2}-\d{2}\.md$/),
    ]);
    const markdown = readFileSync(path.join(out, files[2]!), "utf8");
    const page = readFileSync(path.join(out, files[1]!), "utf8");
    expect(page).toContain('<h2 id="sign-off-title">Reviewer sign-off</h2>');
    expect(page.indexOf("Reviewer sign-off</h2>")).toBeGreaterThan(page.indexOf("Controls evidenced</h2>"));
    // One blank decision, reviewer and date cell per token, to sign on paper.
    const review = (await audit("--fail-on", "none")).review;
    expect(page.match(/(<td class="blank"><\/td>){3}<\/tr>/g)).toHaveLength(review.tokens.length);
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(result.stdout).toMatch(/review: .+\.html\n/);
    expect(page).not.toContain(CANARY);
    for (const control of ["SOC 2 CC6.1", "SOC 2 CC6.2", "SOC 2 CC6.3", "ISO/IEC 27001:2022 A.5.18", "ISO/IEC 27001:2022 A.8.2"])
      expect(markdown).toContain(control);
    const signOff = markdown.slice(markdown.indexOf("## Reviewer sign-off"));
    expect(signOff).toContain("| token | ID | decision (keep/revoke) | reviewer | date |");
    expect(signOff.trim().split("\n").at(-1)).toMatch(/^\| .+ \| `[0-9a-f]{32}` \| \| \| \|$/);
    expect(markdown.indexOf("## Reviewer sign-off")).toBeGreaterThan(markdown.indexOf("## Controls evidenced"));
    const csv = readFileSync(path.join(out, files[0]!), "utf8").split("\r\n");
    expect(csv[0]).toBe('"id","name","owner","class","status","lastUsedOn","expiresOn","groups","findings","decision","reviewer","date"');
    expect(csv.some((line) => line.includes('"zero trust admin (hand-made)","account 417daa9dc1293f3af874e997f8bdce54","unmanaged"'))).toBe(
      true,
    );
    writeFileSync(path.join(project.dir, "audit.md"), markdown); // for the closing note
  });

  it("owners whose tokens the provisioner may not list are reported as not reviewed, with the permission to add", async () => {
    const accountOnly = await issueToken(sandbox, {
      owner: { kind: "user" },
      name: "account-only provisioner",
      policies: [
        {
          groups: [{ name: "Account API Tokens Write", scope: "com.cloudflare.api.account" }],
          resources: { [`com.cloudflare.api.account.${ACME_CORP}`]: "*" },
        },
      ],
    });
    const result = await run(["audit", ...stackArgs(), "--json", "--fail-on", "none"], { provisionerToken: accountOnly.value });
    expect(result.code, result.stderr).toBe(0);
    const review = accessReviewSchema.parse(JSON.parse(result.stdout));
    expect(review.notReviewed).toEqual([
      { owner: { kind: "user" }, detail: expect.stringContaining('Fix: give the provisioner "API Tokens Read" (or Write)') },
    ]);
    expect(review.tokens.every((t) => t.owner.kind === "account")).toBe(true);
    expect(review.tokens.map((t) => t.name)).toContain("cfct dev ascera-417daa9d g1");
    expect(result.stderr).toContain("cfct: not reviewed: user tokens:");
  });

  it('an "API Token Provisioning" provisioner: the account\'s tokens other members created are listed under notReviewed, not taken as absent', async () => {
    await setMemberRoles(sandbox.control, ACME_CORP, ["API Token Provisioning", "Administrator Read Only"]);
    try {
      const { run: result, review } = await audit("--fail-on", "none");
      expect(result.code, result.stderr).toBe(0);
      expect(review.notReviewed).toEqual([
        {
          owner: { kind: "account", accountId: ACME_CORP },
          detail: expect.stringMatching(
            /^tokens other members created on account 417daa9d\w+: the provisioner's user holds "API Token Provisioning" there, .*sees only the tokens it created \(Cloudflare changelog 2026-10-01\)\. Fix: /,
          ),
        },
      ]);
      // What it created itself is still reviewed.
      expect(review.tokens.map((t) => t.name)).toContain("cfct dev ascera-417daa9d g1");
      expect(result.stderr).toContain(`cfct: not reviewed: account ${ACME_CORP} tokens: tokens other members created`);
    } finally {
      await setMemberRoles(sandbox.control, ACME_CORP, ["Super Administrator - All Privileges"]);
    }
  });

  it("a token unused for more than 90 days is a medium finding", async () => {
    await advanceClock(sandbox, 91 * 86_400);
    const { byName } = await audit("--fail-on", "none");
    expect(findingIds(byName("paused reader"))).toContain("medium:unused");
    expect(byName("paused reader").findings.find((f) => f.id === "unused")!.detail).toMatch(
      /never used since it was issued .+, more than 90 days ago/,
    );
  });

  it("each audit ends with the chain head its record made, in --json as chainHead, and the chain holds it", async () => {
    const folder = path.join(evidenceDir(), "dev");
    const text = await run(["audit", ...stackArgs(), "--fail-on", "none"]);
    const printed = /evidence chain head: #(\d+) sha256 ([0-9a-f]{64})\n$/.exec(text.stdout);
    expect(printed, text.stdout).not.toBeNull();
    const json = await run(["audit", ...stackArgs(), "--fail-on", "none", "--json"]);
    const { chainHead } = JSON.parse(json.stdout) as { chainHead: { sequence: number; hash: string } };
    expect(chainHead.sequence).toBe(Number(printed![1]) + 1);
    const newest = JSON.parse(
      readFileSync(
        path.join(
          folder,
          readdirSync(folder)
            .filter((f) => f.endsWith(".json"))
            .sort()
            .at(-1)!,
        ),
        "utf8",
      ),
    );
    expect(newest.chain).toMatchObject(chainHead);
    const anchored = await run(["evidence", "verify", "--dir", folder, "--anchor", printed![2]!]);
    expect(anchored.code, anchored.stdout).toBe(0);
  });

  it("the audits are evidence: chained after the up, and a hand-edited record is named by cfct evidence verify", async () => {
    const folder = path.join(evidenceDir(), "dev");
    const ok = await run(["evidence", "verify", "--dir", folder]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ok: \d+ record\(s\) chained; newest #\d+ sha256 [0-9a-f]{64}/);

    const report = await run(["evidence", "report", "--stack", "dev", "--since", "2000-01-01", "--evidence-dir", evidenceDir()]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain("## 7. Access reviews held");
    expect(report.stdout).toMatch(/\| cfct dev drata g1 \| `[0-9a-f]{32}` \| user \| drata \| 1 \|/);
    // The sandbox's clock ran 91 days ahead of real time: without --until its period ends at its newest record, not at real time's now.
    expect(report.stdout).toMatch(
      /^Period .+ on the sandbox's clock \(rehearsal, sandbox [0-9a-f]{8}; fast-forwarded, not real time\): \d+ record\(s\)/m,
    );
    expect(report.stderr).not.toContain("left out");

    const html = path.join(project.dir, "report", "dev.html");
    const asHtml = await run(["evidence", "report", "--stack", "dev", "--format", "html", "--out", html, "--evidence-dir", evidenceDir()]);
    expect(asHtml.code, asHtml.stderr).toBe(0);
    expect(asHtml.stdout).toBe(`report: ${html}\n`);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("Access reviews held</h2>");
    expect(page).not.toContain(CANARY);
    const asJson = await run(["evidence", "report", "--stack", "dev", "--json", "--evidence-dir", evidenceDir()]);
    expect(asJson.code, asJson.stderr).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      stack: "dev",
      integrity: { verified: expect.any(Number) },
      reviews: expect.any(Array),
    });

    const upRecord = readdirSync(folder).find((f) => f.endsWith("-up.json"))!;
    const file = path.join(folder, upRecord);
    writeFileSync(file, readFileSync(file, "utf8").replace('"ok": true', '"ok": false'));
    const broken = await run(["evidence", "verify", "--dir", folder]);
    expect(broken.code).toBe(2);
    expect(broken.stdout).toContain(`BROKEN: edited ${file}`);
  });

  it("no token value reaches any output", () => {
    expect(runs.length).toBeGreaterThan(5);
    for (const result of runs) expect(result.stdout + result.stderr).not.toContain(CANARY);
  });
});
