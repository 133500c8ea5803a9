import {
  ACME_CORP,
  ACME_STATUS_ZONE,
  checksById,
  control,
  issueToken,
  planFor,
  specFromPlan,
  verifyPlanned,
  type TokenSpec,
} from "../helpers/verify";
import { SCOPES } from "../../src/domain/permission-group";
import { describe, expect, it } from "vitest";
import { defaultFixture } from "../../src/sandbox";
import { useSandbox } from "../helpers/sandbox";

/**
 * Tokens scoped to specific zones (the Drata guide's recommendation, and the dev stack). Cloudflare
 * refuses them a zone list (sandbox behaviour zoneListing=refuse, the default); verify must pass them
 * and still prove coverage and every zone group, under that behaviour and under zoneListing=filter.
 */

const CORP_ZONE_NAMES = [
  "acme-careers.com",
  "acme-cdn.net",
  "acme-corp.com",
  "acme-corp.net",
  "acme-docs.io",
  "acme-payments.com",
  "acme-status.com",
];

function withZonePolicy(spec: TokenSpec, change: (policy: TokenSpec["policies"][number]) => TokenSpec["policies"][number]): TokenSpec {
  return { ...spec, policies: spec.policies.map((p) => (p.groups[0]!.scope === SCOPES.zone ? change(p) : p)) };
}

describe.each(["refuse", "filter"] as const)("a token scoped to specific zones, zoneListing=%s", (zoneListing) => {
  const sb = useSandbox({ behaviours: { zoneListing } });

  const [dev] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", "acme-payments.com", ACME_STATUS_ZONE] }]);
  const [wholeAccount] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: CORP_ZONE_NAMES }]);

  it("passes: coverage from its policies read back, each zone group proven on a chosen zone, and a warning that it cannot list zones", async () => {
    const { value } = await issueToken(sb, specFromPlan(sb, dev!));
    const report = await verifyPlanned(sb, dev!, value);
    const checks = checksById(report);
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status !== "pass").map((c) => c.id)).toEqual(["zone-listing"]);
    expect(checks.coverage!.detail).toBe(
      "the token's policies (read back) hold exactly the 3 chosen zone(s): acme-corp.com, acme-payments.com, acme-status.com; probed on every one (see probe:*)",
    );
    expect(checks["zone-listing"]!.detail).toContain(
      `cannot list zones: Cloudflare answers GET /zones without a name filter with 403 "requires permission 'com.cloudflare.api.account.zone.list'"`,
    );
    expect(checks["zone-listing"]!.detail).toContain(
      `A platform that discovers zones by listing them will see none (the guide's "No data returned" row)`,
    );
    expect(checks["zone-listing"]!.remedy).toBe(
      "Give the platform the zone names (acme-corp.com, acme-payments.com, acme-status.com; the hand-off sheet lists every one), or set zones: all on the connection so the token holds all zones of the account (pulumi up --stack test).",
    );
    expect(report.unlistedZones).toEqual(["acme-corp.com", "acme-payments.com", "acme-status.com"]);
    // Cost: 1 anonymous + 1 verify + 2 exactness + 1 provisioner page (names) + 10 probes = groups + 5.
    expect(report.apiCalls).toBe(15);
  });

  it('a missing "Zone WAF Read" is still named, by exactness and by its probe', async () => {
    const { value } = await issueToken(
      sb,
      withZonePolicy(specFromPlan(sb, dev!), (p) => ({ ...p, groups: p.groups.filter((g) => g.name !== "Zone WAF Read") })),
    );
    const report = await verifyPlanned(sb, dev!, value);
    const checks = checksById(report);
    expect(report.ok).toBe(false);
    expect(checks["exactness:groups"]).toMatchObject({
      status: "fail",
      detail: 'missing "Zone WAF Read" (com.cloudflare.api.account.zone)',
    });
    expect(checks["probe:Zone WAF Read"]).toMatchObject({ status: "fail" });
    expect(checks["probe:Zone WAF Read"]!.detail).toMatch(
      /^GET \/zones\/\{zone_id\}\/rulesets answered HTTP 403: .* on zone acme-[a-z]+\.com: the token lacks "Zone WAF Read"/,
    );
    expect(checks.coverage!.status).toBe("pass");
  });

  it("a chosen zone the token's policies lack is named by coverage, with the fix", async () => {
    const { value } = await issueToken(
      sb,
      withZonePolicy(specFromPlan(sb, dev!), (p) => ({
        ...p,
        resources: Object.fromEntries(Object.entries(p.resources).filter(([key]) => !key.endsWith(ACME_STATUS_ZONE))),
      })),
    );
    const report = await verifyPlanned(sb, dev!, value);
    const coverage = checksById(report).coverage!;
    expect(coverage).toMatchObject({
      status: "fail",
      detail: "the token's policies do not hold chosen zone(s) acme-status.com, so the platform gets no data for them",
    });
    expect(coverage.remedy).toBe("Add acme-status.com to the token's zone resources (pulumi up --stack test restores the planned ones).");
  });

  it("seven chosen zones are probed on a sample of five, named; --probe-all-zones asks for each of the other two too", async () => {
    const { value } = await issueToken(sb, specFromPlan(sb, wholeAccount!));
    const sampled = await verifyPlanned(sb, wholeAccount!, value);
    expect(sampled.ok).toBe(true);
    expect(checksById(sampled).coverage!.detail).toBe(
      "the token's policies (read back) hold exactly the 7 chosen zone(s): acme-careers.com, acme-cdn.net, acme-corp.com, acme-corp.net, acme-docs.io, acme-payments.com, acme-status.com; " +
        "probed on a sample of 5: acme-careers.com, acme-corp.com, acme-corp.net, acme-payments.com, acme-status.com (see probe:*; --probe-all-zones probes every one)",
    );
    expect(checksById(sampled)["probe:zones"]).toBeUndefined();

    const all = await verifyPlanned(sb, wholeAccount!, value, { probeAllZones: true });
    expect(all.ok).toBe(true);
    expect(checksById(all).coverage!.detail).toMatch(/; probed on every one \(see probe:\*\)$/);
    expect(checksById(all)["probe:zones"]).toMatchObject({
      status: "pass",
      detail: "GET /zones/{zone_id} answered 2xx on acme-payments.com, acme-status.com",
    });
    expect(all.apiCalls).toBe(sampled.apiCalls + 2);
  });

  it("without a provisioner nothing can read its policies: the token is asked for a sample of the chosen zones by name, or every one", async () => {
    const { value } = await issueToken(sb, specFromPlan(sb, wholeAccount!));
    const sampled = await verifyPlanned(sb, wholeAccount!, value, { provisionerToken: undefined });
    expect(sampled.ok).toBe(true);
    const coverage = checksById(sampled).coverage!;
    if (zoneListing === "refuse") {
      expect(coverage).toMatchObject({ status: "warn", remedy: expect.stringContaining("--probe-all-zones") });
      expect(coverage.detail).toMatch(
        /^the token cannot list zones, so it was asked for 5 of the 7 chosen zone\(s\) by ID or name: .*; the other 2 are unproven/,
      );
      expect(checksById(sampled)["zone-listing"]!.status).toBe("warn");
      const all = await verifyPlanned(sb, wholeAccount!, value, { provisionerToken: undefined, probeAllZones: true });
      expect(checksById(all).coverage).toMatchObject({ status: "pass" });
      expect(checksById(all).coverage!.detail).toMatch(/^the token cannot list zones, so it was asked for 7 of the 7 chosen zone\(s\)/);
    } else {
      // The filtering sandbox lets it list; coverage is then proven by the list.
      expect(coverage).toMatchObject({
        status: "pass",
        detail: expect.stringMatching(
          /^the token sees exactly the 7 chosen zone\(s\): acme-careers.com, .*, acme-status.com; probed on a sample of 5: /,
        ),
      });
    }
  });

  it("a profile that reads no zones, given a token holding a specific zone: coverage names the zone grant (the token cannot list it)", async () => {
    const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const spec = specFromPlan(sb, ascera!);
    const zoneRead = {
      groups: [{ name: "Zone Read", scope: SCOPES.zone }],
      resources: { [`com.cloudflare.api.account.zone.${ACME_STATUS_ZONE}`]: "*" },
    };
    const { value } = await issueToken(sb, { ...spec, policies: [...spec.policies, zoneRead] });
    const coverage = checksById(await verifyPlanned(sb, ascera!, value)).coverage!;
    expect(coverage.status).toBe("fail");
    // Whether or not Cloudflare would let it list the zone, its policies read back name the grant.
    expect(coverage.detail).toMatch(
      /^ascera\/least-privilege reads no zones, yet the token's policies \(read back\) hold 1 zone grant\(s\): 621b8b25/,
    );
  });

  it("zones: all with a token that holds only some zones fails coverage, naming the account", async () => {
    const [all] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: "all" }]);
    const { value } = await issueToken(sb, { ...specFromPlan(sb, all!), policies: specFromPlan(sb, dev!).policies });
    await control(sb, "/stats/reset", {});
    const report = await verifyPlanned(sb, all!, value);
    const coverage = checksById(report).coverage!;
    expect(report.ok).toBe(false);
    expect(coverage.status).toBe("fail");
    expect(coverage.detail).toContain(
      zoneListing === "refuse"
        ? `the token holds only some zones of account ${ACME_CORP}, and the connection chose all of them`
        : "the token sees 3 of 7 zone(s)",
    );
  });
});

describe("a provisioner that itself holds only the chosen zones", () => {
  const chosen = ["acme-corp.com", "acme-payments.com", ACME_STATUS_ZONE];
  const fixture = defaultFixture();
  const zoneIds = fixture.zones
    .filter((z) => z.name === "acme-corp.com" || z.name === "acme-payments.com" || z.id === ACME_STATUS_ZONE)
    .map((z) => z.id);
  const policies = fixture.provisioner_token.policies.map((p) =>
    p.permission_groups.some((g) => g.name === "Zone Read")
      ? { ...p, resources: Object.fromEntries(zoneIds.map((id) => [`com.cloudflare.api.account.zone.${id}`, "*" as const])) }
      : p,
  );
  const sb = useSandbox({ fixture: { ...fixture, provisioner_token: { ...fixture.provisioner_token, policies } } });

  it("cannot list zones either: verify names the chosen zones one call each, and still passes", async () => {
    const [dev] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: chosen }]);
    const { value } = await issueToken(sb, specFromPlan(sb, dev!));
    await control(sb, "/stats/reset", {});
    const report = await verifyPlanned(sb, dev!, value);
    expect(report.ok).toBe(true);
    expect(checksById(report).coverage!.detail).toMatch(
      /^the token's policies \(read back\) hold exactly the 3 chosen zone\(s\): acme-corp.com, acme-payments.com, acme-status.com;/,
    );
    // 1 anonymous + 1 verify + 2 exactness + 1 refused page + 3 zones asked one by one + 10 probes.
    expect(report.apiCalls).toBe(18);
  });
});
