import { describe, expect, it } from "vitest";
import { PLATFORMS } from "../../src/platforms";
import { verifyByFlags } from "../../src/cli/verify-flags";
import type { VerifyReport } from "../../src/verify";
import {
  ACME_CORP,
  ACME_LABS,
  ACME_STATUS_ZONE,
  checksById,
  control,
  issueToken,
  planFor,
  specFromPlan,
  statuses,
  verifyPlanned,
} from "../helpers/verify";
import { useSandbox } from "../helpers/sandbox";

/** Healthy tokens: every check passes, and the report proves it cheaply. */

const sb = useSandbox();

const failures = (report: VerifyReport) => report.checks.filter((c) => c.status === "fail" || c.status === "warn");

describe("healthy tokens", () => {
  it("Drata: the ten groups proven one probe each, exact groups and resources, exactly the chosen zones", async () => {
    const [drata] = planFor([
      { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", "acme-payments.com", ACME_STATUS_ZONE] },
    ]);
    const { id, value } = await issueToken(sb, specFromPlan(sb, drata!));
    await control(sb, "/stats/reset", {});
    const report = await verifyPlanned(sb, drata!, value);
    // A token scoped to specific zones cannot list zones: the one warning says so (zone-scoped.test.ts has the rest).
    expect(failures(report).map((c) => c.id)).toEqual(["zone-listing"]);
    expect(report).toMatchObject({
      ok: true,
      platform: "drata",
      tokenKey: "drata",
      tokenId: id,
      unlistedZones: ["acme-corp.com", "acme-payments.com", "acme-status.com"],
    });
    const ids = report.checks.map((c) => c.id);
    expect(ids.slice(0, 6)).toEqual([
      "endpoint",
      "liveness",
      "exactness:groups",
      "exactness:resources",
      "exactness:expiry",
      "exactness:ip-filter",
    ]);
    expect(ids.filter((i) => i.startsWith("probe:"))).toHaveLength(10);
    expect(ids.slice(-2)).toEqual(["coverage", "zone-listing"]);
    const checks = checksById(report);
    expect(checks["exactness:groups"]!.detail).toBe("exactly the 10 planned permission group(s) of drata/guide");
    expect(checks.coverage!.detail).toBe(
      "the token's policies (read back) hold exactly the 3 chosen zone(s): acme-corp.com, acme-payments.com, acme-status.com; probed on every one (see probe:*)",
    );
    // The five zone groups take the three zones in turn, so each zone is proven at no extra cost.
    const zoneProbes = ["Zone Settings Read", "Zone Read", "Firewall Services Read", "Access: Apps and Policies Read", "Zone WAF Read"].map(
      (g) => checks[`probe:${g}`]!.detail.replace(/^.* on zone /, ""),
    );
    expect(new Set(zoneProbes)).toEqual(new Set(["acme-corp.com", "acme-payments.com", "acme-status.com"]));
    expect(checks["probe:User Details Read"]!.detail).toBe("GET /user answered 2xx on the user");
    // The count the report gives is what the API saw: 1 anonymous + 1 verify + 2 exactness + 1 provisioner zone page + 10 probes.
    const stats = await control(sb, "/stats");
    expect(report.apiCalls).toBe(stats.total);
    expect(report.apiCalls).toBe(15);
  });

  it("ASCERA least-privilege: account-owned, three groups, reads and sees no zones", async () => {
    const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const { value } = await issueToken(sb, specFromPlan(sb, ascera!));
    const report = await verifyPlanned(sb, ascera!, value);
    expect(failures(report)).toEqual([]);
    expect(report.ok).toBe(true);
    const checks = checksById(report);
    expect(checks.liveness!.detail).toMatch(new RegExp(`^GET /accounts/${ACME_CORP}/tokens/verify: active, account-owned`));
    expect(checks["probe:Access: Audit Logs Read"]!.detail).toBe(
      `GET /accounts/{account_id}/access/users answered 2xx on account ${ACME_CORP}`,
    );
    expect(checks.coverage!.detail).toBe("ascera/least-privilege reads no zones, and the token's policies (read back) grant none");
    // Endpoint, verify, the token and its owner's group list, three probes: coverage needs no call of its own.
    expect(report.apiCalls).toBe(7);
  });

  it("ASCERA read-all (the guide's template): ~100 groups cost a few dozen calls, because identical probes are sent once", async () => {
    const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_LABS], profile: "read-all", zones: "all" }]);
    const { value } = await issueToken(sb, specFromPlan(sb, ascera!));
    const report = await verifyPlanned(sb, ascera!, value);
    expect(failures(report)).toEqual([]);
    const checks = checksById(report);
    expect(checks["exactness:groups"]!.detail).toMatch(/^exactly the \d{2,3} planned permission group\(s\) of ascera\/read-all$/);
    expect(checks.coverage!.detail).toBe(`account ${ACME_LABS}: the token sees all 5 zone(s)`);
    // The exactness check ran (a provisioner read the token back): the remedy points there, not at a flag.
    expect(checks["probe:unprobed"]).toMatchObject({ status: "skip", remedy: "Their presence is proven by the exactness check." });
    expect(report.apiCalls).toBeLessThan(30);

    const withoutProvisioner = checksById(await verifyPlanned(sb, ascera!, value, { provisionerToken: undefined }));
    expect(withoutProvisioner["probe:unprobed"]!.remedy).toBe("Their presence is proven by the exactness check (--provisioner-token-env).");
  });

  it("without a provisioner: exactness is skipped with the flag to pass, everything else still proven", async () => {
    const [drata] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }]);
    const { value } = await issueToken(sb, specFromPlan(sb, drata!));
    const report = await verifyPlanned(sb, drata!, value, { provisionerToken: undefined });
    expect(report.ok).toBe(true);
    expect(checksById(report).exactness).toMatchObject({ status: "skip", remedy: expect.stringContaining("--provisioner-token-env") });
    expect(statuses(report).coverage).toBe("pass");
  });

  it("without a plan: --platform picks the catalog entry and the flags give accounts and zones", async () => {
    const [drata] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", ACME_STATUS_ZONE] }]);
    const { value } = await issueToken(sb, specFromPlan(sb, drata!));
    const report = await verifyByFlags(
      { platform: PLATFORMS.drata!, accounts: [ACME_CORP], zones: [ACME_STATUS_ZONE, "acme-corp.com"] },
      { token: value, provisionerToken: sb.provisionerToken },
      { clients: { apiBase: sb.baseUrl } },
    );
    expect(failures(report).map((c) => c.id)).toEqual(["zone-listing"]);
    expect(report.tokenKey).toBeUndefined();

    // Without zones, a token scoped to specific zones cannot be counted by listing: coverage says which zones its policies hold.
    const counts = await verifyByFlags(
      { platform: PLATFORMS.drata!, accounts: [ACME_CORP] },
      { token: value, provisionerToken: sb.provisionerToken },
      { clients: { apiBase: sb.baseUrl } },
    );
    expect(checksById(counts).coverage).toMatchObject({
      status: "warn",
      remedy: "Pass --zones <names or IDs> to compare them with an exact list.",
    });
    expect(checksById(counts).coverage!.detail).toMatch(
      /^the token holds specific zones and cannot list them .*; its policies hold 2 zone\(s\): [0-9a-f]{32}, [0-9a-f]{32} \(no zones were specified\)$/,
    );
    expect(statuses(counts)["exactness:resources"]).toBe("pass");
    expect(counts.ok).toBe(true);
  });

  it("an expiry inside the warning window is a warning with the rotate command, not a failure", async () => {
    const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const { value } = await issueToken(sb, {
      ...specFromPlan(sb, ascera!),
      expiresOn: new Date(Date.now() + 5 * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z"),
    });
    const report = await verifyPlanned(sb, ascera!, value, { provisionerToken: undefined });
    expect(report.ok).toBe(true);
    expect(checksById(report).liveness).toMatchObject({ status: "warn", remedy: "Rotate before it expires: cfct rotate --stack test." });
    expect(checksById(report).liveness!.detail).toMatch(/expires in 4 day\(s\)/);
  });

  it("the report never contains the token value", async () => {
    const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const { value } = await issueToken(sb, specFromPlan(sb, ascera!));
    const good = await verifyPlanned(sb, ascera!, value);
    const bad = await verifyPlanned(sb, ascera!, `${value.slice(0, -2)}zz`);
    for (const report of [good, bad]) {
      expect(JSON.stringify(report)).not.toContain(value.slice(0, 20));
      expect(JSON.stringify(report)).not.toContain(sb.provisionerToken.slice(0, 20));
    }
  });
});
