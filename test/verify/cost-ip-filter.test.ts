import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSandbox } from "../../src/sandbox";
import { ACCOUNTS, FIXED_CALLS, pagesFor, sandboxWithZones } from "../helpers/cost-scenarios";
import { checksById, control, issueToken, planFor, specFromPlan, verifyPlanned } from "../helpers/verify";
import { SCOPES } from "../../src/domain/permission-group";

/**
 * Zone names in the plan are resolved to IDs through the provisioner. With many names and nothing
 * the token itself listed (an IP-filtered token cannot list anything from here; a broken token may
 * list nothing), that must cost pages of the chosen accounts' zones, not one call per name.
 */
const ZONES = 150;

describe(`verify cost with ${ZONES} zones chosen by name (Drata token, 2 accounts)`, () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await sandboxWithZones(ZONES);
  });
  afterAll(async () => {
    await sb?.close();
  });

  const names = () => sb.fixture.zones.map((z) => z.name);

  it("an IP-filtered token (kept out by its planned filter): fixed calls + pages of zones, not one call per name", async () => {
    const [plan] = planFor([{ platform: "drata", accounts: ACCOUNTS, zones: names() }], "cost-ip-filter", {
      allowedIps: ["203.0.113.0/24"],
    });
    const { id, value } = await issueToken(sb, specFromPlan(sb, plan!));
    await control(sb, "/stats/reset", {});
    const report = await verifyPlanned(sb, plan!, value, { tokenId: id });
    const stats = await control(sb, "/stats");
    expect(report.apiCalls).toBe(stats.total);
    expect(checksById(report)["exactness:resources"]?.status, JSON.stringify(report.checks)).toBe("pass");
    expect(report.ok).toBe(true);
    // endpoint 1 + verify 1 + exactness 2 (token, permission groups) + the provisioner's zone pages.
    expect(stats.byRoute["GET /zones"]).toBe(pagesFor(ZONES));
    expect(report.apiCalls).toBe(1 + 1 + 2 + pagesFor(ZONES));
  });

  it("a token that sees none of its chosen zones: zone names resolve through pages too", async () => {
    const [plan] = planFor([{ platform: "drata", accounts: ACCOUNTS, zones: names() }], "cost-sees-none");
    const spec = specFromPlan(sb, plan!);
    const { value } = await issueToken(sb, { ...spec, policies: spec.policies.filter((p) => p.groups[0]!.scope !== SCOPES.zone) });
    await control(sb, "/stats/reset", {});
    const report = await verifyPlanned(sb, plan!, value);
    const stats = await control(sb, "/stats");
    expect(report.apiCalls).toBe(stats.total);
    expect(checksById(report).coverage!.status).toBe("fail");
    expect(checksById(report).coverage!.detail).toMatch(/^the token's policies do not hold chosen zone\(s\) /);
    // The provisioner's pages (the token cannot list zones, and is not asked to); the Zone Read probe (in FIXED_CALLS) adds one.
    expect(stats.byRoute["GET /zones"]).toBe(pagesFor(ZONES) + 1);
    // + 1: the zone probes were refused, so the token's liveness is re-checked before a group is blamed.
    expect(report.apiCalls).toBe(FIXED_CALLS + pagesFor(ZONES) + 1);
  });
});
