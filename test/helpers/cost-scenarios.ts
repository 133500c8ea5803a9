import { defaultFixture, startSandbox, type RunningSandbox } from "../../src/sandbox";
import { ACME_CORP, ACME_LABS, checksById, control, issueToken, planFor, specFromPlan, verifyPlanned } from "./verify";
import { SCOPES } from "../../src/domain/permission-group";

/**
 * What `verify` costs for a Drata token (10 groups, 2 accounts) in an estate of N zones, measured
 * at the sandbox (/__sandbox/stats). Shared by test/verify/cost-*.test.ts and bench/verify-calls.ts.
 */

export const DRATA_GROUPS = 10;
export const ACCOUNTS = [ACME_CORP, ACME_LABS];

/** A sandbox whose only zones are N generated ones, spread evenly over the two accounts. */
export function sandboxWithZones(n: number): Promise<RunningSandbox> {
  return startSandbox({ fixture: { ...defaultFixture(), zones: [] }, zones: n });
}

export type Scenario =
  /** Healthy: zones: all, the token has all zones of both accounts. */
  | "all-zones"
  /** Healthy, zone-scoped: every zone chosen by ID, the token has exactly those one by one (the largest explicit list; it cannot list zones). */
  | "explicit-every-zone"
  /** Healthy, zone-scoped: two zones chosen by name (one per account), the token has exactly those. */
  | "two-zones-by-name"
  /** Broken: two zones chosen, the token has "All zones" (it sees N). */
  | "all-zones-where-two-chosen";

export interface Measurement {
  readonly scenario: Scenario;
  readonly zones: number;
  readonly apiCalls: number;
  /** GET /zones requests the API saw (coverage pages + the Zone Read probe). */
  readonly zonePages: number;
  readonly ok: boolean;
  readonly stats: { total: number; byRoute: Record<string, number> };
}

export async function measure(sb: RunningSandbox, scenario: Scenario): Promise<Measurement> {
  const zoneIds = sb.fixture.zones.map((z) => z.id);
  const chosen =
    scenario === "all-zones"
      ? "all"
      : scenario === "explicit-every-zone"
        ? zoneIds
        : scenario === "two-zones-by-name"
          ? ACCOUNTS.map((a) => sb.fixture.zones.find((z) => z.account_id === a)!.name)
          : zoneIds.slice(0, 2);
  const [plan] = planFor([{ platform: "drata", accounts: ACCOUNTS, zones: chosen }], `cost-${scenario}`);
  let spec = specFromPlan(sb, plan!);
  if (scenario === "all-zones-where-two-chosen") {
    const allZones = Object.fromEntries(
      ACCOUNTS.map((a) => [`com.cloudflare.api.account.${a}`, { "com.cloudflare.api.account.zone.*": "*" }]),
    );
    spec = { ...spec, policies: spec.policies.map((p) => (p.groups[0]!.scope === SCOPES.zone ? { ...p, resources: allZones } : p)) };
  }
  const { value } = await issueToken(sb, spec);
  await control(sb, "/stats/reset", {});
  const report = await verifyPlanned(sb, plan!, value);
  const stats = await control(sb, "/stats");
  if (report.apiCalls !== stats.total) throw new Error(`verify counted ${report.apiCalls} calls, the sandbox saw ${stats.total}`);
  const coverage = checksById(report).coverage!;
  if (scenario !== "all-zones-where-two-chosen" && (!report.ok || coverage.status !== "pass")) {
    throw new Error(`healthy scenario ${scenario} did not pass: ${JSON.stringify(report.checks.filter((c) => c.status !== "pass"))}`);
  }
  return { scenario, zones: zoneIds.length, apiCalls: report.apiCalls, zonePages: stats.byRoute["GET /zones"] ?? 0, ok: report.ok, stats };
}

/** Pages of 50 the token's zone list takes, per account (zones are spread evenly). */
export function pagesFor(zones: number, accounts = ACCOUNTS.length): number {
  return Array.from({ length: accounts }, (_, i) => Math.max(1, Math.ceil(Math.floor((zones + accounts - 1 - i) / accounts) / 50))).reduce(
    (a, b) => a + b,
    0,
  );
}

/** verify's fixed cost for this token: anonymous endpoint check 1, verify 1, exactness 2, probes 3×2 + 5 + 2. */
export const FIXED_CALLS = 1 + 1 + 2 + (3 * ACCOUNTS.length + 5 + 2);

/** The calls verify must make, by scenario: fixed + pages of zones, never zones × groups. */
export function expectedCalls(scenario: Scenario, zones: number): number {
  // zones: all compares page 1's total_count of the token and of the provisioner, per account.
  if (scenario === "all-zones") return FIXED_CALLS + 2 * ACCOUNTS.length;
  // No more names than accounts: one GET /zones?name= each, by the provisioner, at any size.
  if (scenario === "two-zones-by-name") return FIXED_CALLS + ACCOUNTS.length;
  // Two zones chosen by ID (no more than accounts): the provisioner names each with GET /zones/{id}; the token lists its pages.
  if (scenario === "all-zones-where-two-chosen") return FIXED_CALLS + ACCOUNTS.length + pagesFor(zones);
  // Every zone by ID: the provisioner's pages name them (the token, scoped to specific zones, cannot list them).
  return FIXED_CALLS + pagesFor(zones);
}
