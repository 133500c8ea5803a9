import { execFile } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { useSandbox } from "../helpers/sandbox";
import { ACME_CORP, ACME_LABS, ACME_STATUS_ZONE, issueToken, planFor, specFromPlan } from "../helpers/verify";

/**
 * `cfct verify` end to end: the built CLI (bin/cfct.js, npm test builds first) against an in-process
 * sandbox whose token values all start with a canary, which must never appear in any output.
 */

const CANARY = "LEAKCANARY_9f3e_";
const sb = useSandbox({ tokenPrefix: CANARY });
beforeAll(() => {
  expect(sb.provisionerToken.startsWith(CANARY)).toBe(true);
});

/** Runs the CLI asynchronously: the sandbox lives in this process and must keep answering. */
function cfct(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("CFCT_TOKEN_") && k !== "CLOUDFLARE_API_TOKEN"),
    );
    execFile(
      process.execPath,
      ["bin/cfct.js", "verify", ...args],
      { env: { ...clean, ...env }, encoding: "utf8" },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function expectNoLeak(result: { stdout: string; stderr: string }): void {
  expect(result.stdout).not.toContain(CANARY);
  expect(result.stderr).not.toContain(CANARY);
}

// Each test starts the built CLI several times; on a loaded machine one start takes seconds (as in the audit suite).
describe("cfct verify", { timeout: 120_000 }, () => {
  it("--json for a healthy token: exit 0 and exactly one object of the documented shape", async () => {
    const [drata] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", ACME_STATUS_ZONE] }]);
    const { value } = await issueToken(sb, specFromPlan(sb, drata!));
    const result = await cfct(
      [
        "--platform",
        "drata",
        "--token-env",
        "T",
        "--provisioner-token-env",
        "P",
        "--accounts",
        ACME_CORP,
        "--zones",
        `acme-corp.com,${ACME_STATUS_ZONE}`,
        "--api-base",
        sb.baseUrl,
        "--json",
      ],
      { T: value, P: sb.provisionerToken },
    );
    expectNoLeak(result);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual(["ok", "platform", "apiCalls", "checks"]);
    expect(body).toMatchObject({ ok: true, platform: "drata", apiCalls: 15 });
    for (const check of body.checks) {
      expect(Object.keys(check).every((k) => ["id", "status", "detail", "remedy"].includes(k))).toBe(true);
      // The one warning: a token scoped to specific zones cannot list zones.
      expect(check.status).toBe(check.id === "zone-listing" ? "warn" : "pass");
    }
  });

  it("--probe-all-zones asks for every chosen zone with the token, not a sample of five", async () => {
    const zones = sb.fixture.zones.filter((z) => z.account_id === ACME_CORP).map((z) => z.name);
    const [drata] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones }]);
    const { value } = await issueToken(sb, specFromPlan(sb, drata!));
    const flags = [
      "--platform",
      "drata",
      "--token-env",
      "T",
      "--provisioner-token-env",
      "P",
      "--accounts",
      ACME_CORP,
      "--zones",
      zones.join(","),
      "--api-base",
      sb.baseUrl,
      "--json",
    ];
    const [sampled, all] = await Promise.all([
      cfct(flags, { T: value, P: sb.provisionerToken }),
      cfct([...flags, "--probe-all-zones"], { T: value, P: sb.provisionerToken }),
    ]);
    expectNoLeak(sampled);
    expectNoLeak(all);
    const [sampledBody, allBody] = [JSON.parse(sampled.stdout), JSON.parse(all.stdout)];
    expect([sampled.code, all.code]).toEqual([0, 0]);
    expect(sampledBody.checks.find((c: { id: string }) => c.id === "coverage").detail).toContain(
      `hold exactly the ${zones.length} chosen zone(s)`,
    );
    expect(sampledBody.checks.find((c: { id: string }) => c.id === "coverage").detail).toContain("probed on a sample of 5");
    expect(allBody.checks.find((c: { id: string }) => c.id === "coverage").detail).toContain("probed on every one");
    // Seven zones, five zone groups: two more calls, one per zone no group landed on.
    expect(allBody.apiCalls).toBe(sampledBody.apiCalls + zones.length - 5);
  });

  it("a broken token: exit 2, a table with the failures first, each with its fix", async () => {
    const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_LABS] }]);
    const spec = specFromPlan(sb, ascera!);
    const { value } = await issueToken(sb, {
      ...spec,
      policies: [{ ...spec.policies[0]!, groups: spec.policies[0]!.groups.filter((g) => g.name !== "Access: Audit Logs Read") }],
    });
    const result = await cfct(
      ["--platform", "ascera", "--token-env", "T", "--provisioner-token-env", "P", "--accounts", ACME_LABS, "--api-base", sb.baseUrl],
      { T: value, P: sb.provisionerToken },
    );
    expectNoLeak(result);
    expect(result.code).toBe(2);
    const lines = result.stdout.split("\n");
    // 7 calls, + 1: a probe was refused, so the token's liveness is re-checked before the group is blamed.
    expect(lines[0]).toMatch(/^ascera \(account-owned\) \[token [0-9a-f]{32}\]: FAIL \(2 failed\), 8 API call\(s\)$/);
    expect(lines[2]).toMatch(/^ {2}FAIL {4}exactness:groups +missing "Access: Audit Logs Read"/);
    expect(lines[3]).toMatch(/^ +fix: Add "Access: Audit Logs Read"/);
    expect(lines[4]).toMatch(/^ {2}FAIL {4}probe:Access: Audit Logs Read +GET \/accounts\/\{account_id\}\/access\/users answered HTTP 403/);
    expect(lines[5]).toMatch(/^ +fix: Add "Access: Audit Logs Read" \(com\.cloudflare\.api\.account\) for account fca1dc08/);
    expect(lines.findIndex((l) => l.includes("pass"))).toBeGreaterThan(5);
  });

  it("--stack: every token of the stack, values from CFCT_TOKEN_<KEY>; one JSON object for all", async () => {
    const plans = planFor(
      [
        { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", "acme-payments.com", ACME_STATUS_ZONE] },
        { platform: "ascera", accounts: [ACME_CORP, ACME_LABS] },
        { platform: "datadog", accounts: [ACME_CORP, ACME_LABS], zones: "all" },
      ],
      "dev",
    );
    const env: Record<string, string> = { CLOUDFLARE_API_TOKEN: sb.provisionerToken };
    for (const plan of plans)
      env[`CFCT_TOKEN_${plan.key.toUpperCase().replace(/-/g, "_")}`] = (await issueToken(sb, specFromPlan(sb, plan))).value;
    expect(Object.keys(env).sort()).toEqual([
      "CFCT_TOKEN_ASCERA_417DAA9D",
      "CFCT_TOKEN_ASCERA_FCA1DC08",
      "CFCT_TOKEN_DATADOG",
      "CFCT_TOKEN_DRATA",
      "CLOUDFLARE_API_TOKEN",
    ]);

    const [json, human, missing] = await Promise.all([
      cfct(["--stack", "dev", "--api-base", sb.baseUrl, "--json"], env),
      cfct(["--stack", "dev", "--api-base", sb.baseUrl], env),
      cfct(["--stack", "dev", "--api-base", sb.baseUrl], { CFCT_TOKEN_DRATA: env.CFCT_TOKEN_DRATA! }),
    ]);
    expectNoLeak(json);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body).toMatchObject({ ok: true, stack: "dev" });
    expect(body.tokens.map((t: { tokenKey: string; ok: boolean }) => [t.tokenKey, t.ok])).toEqual([
      ["drata", true],
      ["ascera-417daa9d", true],
      ["ascera-fca1dc08", true],
      ["datadog", true],
    ]);
    // The provider credential (CLOUDFLARE_API_TOKEN) is the default provisioner for --stack: exactness ran.
    expect(body.tokens[0].checks.find((c: { id: string }) => c.id === "exactness:groups").status).toBe("pass");

    expectNoLeak(human);
    expect(human.stdout).toMatch(
      /^drata \(drata\/guide, user-owned, generation 1\) \[token [0-9a-f]{32}\]: OK with 1 warning\(s\), 15 API call\(s\)$/m,
    );
    expect(human.stdout).toMatch(/4 token\(s\): all OK, \d+ API call\(s\) in total\n$/);

    expectNoLeak(missing);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "no value for 3 token(s): ascera-417daa9d (environment variable CFCT_TOKEN_ASCERA_417DAA9D (or CFCT_TOKEN_ASCERA_417DAA9D_G1)), ascera-fca1dc08 (environment variable CFCT_TOKEN_ASCERA_FCA1DC08 (or CFCT_TOKEN_ASCERA_FCA1DC08_G1)), datadog (environment variable CFCT_TOKEN_DATADOG (or CFCT_TOKEN_DATADOG_G1))",
    );
  });

  it("usage errors exit 1 and name the fix; a token passed where a variable name belongs is not echoed", async () => {
    const pasted = [`${CANARY}abcdefghijklmnopqrstuvwxyz0123456789ABCD`, `${CANARY}abcdefghij-klmnopqrstuvwxyz0123456789ABC`];
    // Independent runs in parallel: each CLI start costs about a second.
    const [unset, misuse1, misuse2, noPlatform, badAccount] = await Promise.all([
      cfct(["--platform", "drata", "--token-env", "NOPE", "--accounts", ACME_CORP]),
      ...pasted.map((p) => cfct(["--platform", "drata", "--token-env", p, "--accounts", ACME_CORP])),
      cfct(["--token-env", "T"], { T: "x" }),
      cfct(["--platform", "drata", "--token-env", "T", "--accounts", "acme", "--zones", "all", "--api-base", sb.baseUrl], {
        T: `${CANARY}${"x".repeat(40)}`,
      }),
    ]);
    expect(unset!.code).toBe(1);
    expect(unset!.stderr).toContain("--token-env: environment variable NOPE is not set or empty");
    for (const misuse of [misuse1!, misuse2!]) {
      expectNoLeak(misuse);
      expect(misuse.code).toBe(1);
      expect(misuse.stderr).toMatch(/[Pp]ass the variable's NAME, never the token itself/);
    }
    expect(noPlatform!.code).toBe(1);
    expect(noPlatform!.stderr).toContain("name the platform with --platform <key>, or verify a whole stack with --stack <env>");
    expectNoLeak(badAccount!);
    expect(badAccount!.code).toBe(1);
    expect(badAccount!.stderr).toContain('--accounts "acme" is not a Cloudflare account ID');
  });

  it("a wrong base URL exits 2 with the correct one, and nothing is sent", async () => {
    const result = await cfct(
      ["--platform", "ascera", "--token-env", "T", "--accounts", ACME_CORP, "--api-base", `${sb.baseUrl}/accounts/${ACME_CORP}`, "--json"],
      {
        T: `${CANARY}${"y".repeat(40)}`,
      },
    );
    expectNoLeak(result);
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout);
    expect(body.apiCalls).toBe(0);
    expect(body.checks[0]).toMatchObject({ id: "endpoint", status: "fail" });
    expect(body.checks[0].remedy).toContain("https://api.cloudflare.com/client/v4");
  });
});
