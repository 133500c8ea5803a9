import { describe, expect, it } from "vitest";
import type { DeployedToken } from "../../src/automation/engine";
import { diffTokens } from "../../src/automation/token-diff";
import type { LivePermissionGroup, TokenDetails } from "../../src/cloudflare/client";
import { sameTokenInputs } from "../../src/rehearsal/sandbox-mocks";
import { compareTokenWithPlan } from "../../src/verify/exactness";
import type { ExactnessExpectation } from "../../src/verify/types";
import { ACME_CORP, planFor } from "../helpers/verify";

// policyReadBackOrder: Cloudflare hands a token's policies back in another order and each policy's
// groups sorted by ID (terraform-provider-cloudflare#7094). Everything that compares tokens compares sets.

/** Every ordering of a list (small lists only). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const reversed = <T>(items: readonly T[]) => [...items].reverse();

describe("exactness compares the token read back as sets", () => {
  const [plan] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
  const groups: LivePermissionGroup[] = plan!.policies
    .flatMap((p) => p.permissionGroups)
    .map((g, i) => ({ id: `g${String(i).padStart(3, "0")}`, name: g.name, scopes: [g.scope] }));
  const idOf = (name: string, scope: string) => groups.find((g) => g.name === name && g.scopes[0] === scope)!.id;
  const expectation: ExactnessExpectation = {
    plan: plan!,
    zoneIdsByName: new Map(),
    zoneNamesById: new Map(),
    zonesUnspecified: false,
    plannedExpiryKnown: false,
    extraRead: "warn",
  };
  // The planned groups spread over several policies, so that the policies have an order to lose.
  const ids = plan!.policies.flatMap((p) => p.permissionGroups.map((g) => ({ id: idOf(g.name, g.scope) })));
  const written = [ids.slice(0, 2), ids.slice(2, 3), ids.slice(3)]
    .filter((part) => part.length > 0)
    .map((part) => ({
      effect: "allow" as const,
      permission_groups: part,
      resources: { [`com.cloudflare.api.account.${ACME_CORP}`]: "*" },
    }));
  const token = (policies: typeof written): TokenDetails => ({
    id: "t",
    expires_on: "2030-01-01T00:00:00Z",
    policies: policies as unknown as TokenDetails["policies"],
  });

  it("passes for every order of policies, with groups as written, sorted by ID or reversed", () => {
    expect(written.length).toBeGreaterThan(1);
    for (const order of permutations(written)) {
      for (const arrange of [
        (ids: { id: string }[]) => ids,
        (ids: { id: string }[]) => [...ids].sort((a, b) => (a.id < b.id ? -1 : 1)),
        reversed,
      ]) {
        const checks = compareTokenWithPlan(
          token(order.map((p) => ({ ...p, permission_groups: arrange(p.permission_groups) }))),
          groups,
          expectation,
        );
        expect(checks.map((c) => [c.id, c.status])).toEqual([
          ["exactness:groups", "pass"],
          ["exactness:resources", "pass"],
          ["exactness:expiry", "pass"],
          ["exactness:ip-filter", "pass"],
        ]);
      }
    }
  });
});

describe("preview's per-token diff compares sets", () => {
  const deployed = (groups: [string, string][], resources: Record<string, unknown>[]): DeployedToken => ({
    logicalName: "ascera-g1",
    key: "ascera",
    id: "id",
    name: "cfct prod ascera-g1",
    platform: "ascera",
    owner: { kind: "user" },
    generation: 1,
    issuedAt: "2026-11-01T00:00:00Z",
    groups: groups.map(([name, scope]) => ({ name, scope: `com.cloudflare.api.${scope}` as never, id: name })),
    resources,
    expiresOn: null,
  });

  it("shows no change when only the order of groups or resources differs", () => {
    const groups: [string, string][] = [
      ["Zone Read", "account.zone"],
      ["DNS Read", "account.zone"],
      ["Account Settings Read", "account"],
    ];
    const resources = [{ "com.cloudflare.api.account.zone.aaa": "*" }, { "com.cloudflare.api.account.A": "*" }];
    expect(diffTokens([deployed(groups, resources)], [deployed(reversed(groups), reversed(resources))])).toEqual([]);
  });
});

describe("the rehearsal engine compares a token's inputs as sets", () => {
  const inputs = (policies: { effect: string; permissionGroups: { id: string }[]; resources: string }[], ins: string[]) => ({
    name: "cfct prod ascera g1",
    accountId: ACME_CORP,
    policies,
    condition: { requestIp: { ins } },
    expiresOn: "2030-01-01T00:00:00Z",
  });
  const policies = [
    { effect: "allow", permissionGroups: [{ id: "b" }, { id: "a" }], resources: '{"com.cloudflare.api.account.A":"*"}' },
    { effect: "allow", permissionGroups: [{ id: "c" }], resources: '{"com.cloudflare.api.account.zone.z":"*"}' },
  ];

  it("the same policies, groups and IP ranges in another order are no change", () => {
    const reordered = reversed(policies).map((p) => ({ ...p, permissionGroups: reversed(p.permissionGroups) }));
    expect(sameTokenInputs(inputs(policies, ["10.0.0.0/8", "192.0.2.0/24"]), inputs(reordered, ["192.0.2.0/24", "10.0.0.0/8"]))).toBe(true);
  });

  it("a different group, or a different expiry-independent input, is a change", () => {
    const changed = policies.map((p, i) => (i === 1 ? { ...p, permissionGroups: [{ id: "d" }] } : p));
    expect(sameTokenInputs(inputs(policies, []), inputs(changed, []))).toBe(false);
    expect(sameTokenInputs(inputs(policies, []), inputs(policies, ["10.0.0.0/8"]))).toBe(false);
    expect(sameTokenInputs(inputs(policies, []), { ...inputs(policies, []), expiresOn: "2031-01-01T00:00:00Z" })).toBe(true);
  });
});
