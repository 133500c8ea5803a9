import { describe, expect, it } from "vitest";
import type { Check } from "../../src/verify/types";
import type { TokenDetails } from "../../src/cloudflare/client";
import { SCOPES } from "../../src/domain/permission-group";
import { checkExpiry } from "../../src/verify/exactness-expiry";
import { checkGroups } from "../../src/verify/exactness-groups";
import { checkIpFilter } from "../../src/verify/exactness-ip-filter";
import { checkResources } from "../../src/verify/exactness-resources";
import { plannedGrants, tokenGrants } from "../../src/verify/grants";
import { ACME_CORP, ACME_LABS, planFor } from "../helpers/verify";

/** The four exactness rules, each a pure function of the plan and the token as read back. */

const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
const plan = ascera!;
const account = (id: string) => ({ [`com.cloudflare.api.account.${id}`]: "*" });
const planned = plannedGrants(plan, new Map());
const plannedNames = plan.policies.flatMap((p) => p.permissionGroups.map((g) => g.name));
/** Cloudflare's list: each planned group, plus a Write and a Read group the plan lacks. */
const LIST = [...plannedNames, "Account Settings Write", "DNS Read"].map((name, i) => ({
  id: `g${i}`,
  name,
  scopes: [name === "DNS Read" ? SCOPES.zone : SCOPES.account],
}));
const idOf = (name: string) => ({ id: LIST.find((g) => g.name === name)?.id ?? `unlisted-${name}` });
const token = (names: readonly string[], resources: Record<string, unknown> = account(ACME_CORP), extra: Partial<TokenDetails> = {}) =>
  ({ id: "t", policies: [{ effect: "allow", permission_groups: names.map(idOf), resources }], ...extra }) as unknown as TokenDetails;
const grantsOf = (t: TokenDetails) => tokenGrants(t, LIST);

interface Row {
  readonly name: string;
  readonly check: () => Check;
  readonly expected: Partial<Check>;
  readonly detail?: RegExp;
}

const base = { plan, extraRead: "warn" as const, stack: "dev" };
const groupRows: Row[] = [
  {
    name: "exactly the planned groups pass",
    check: () => checkGroups(planned, grantsOf(token(plannedNames)), base),
    expected: { status: "pass", detail: `exactly the ${plannedNames.length} planned permission group(s) of ascera/least-privilege` },
  },
  {
    name: "the pass says when the deploy's own IDs named the groups",
    check: () => checkGroups(planned, grantsOf(token(plannedNames)), { ...base, groupsFrom: "deploy" }),
    expected: { status: "pass" },
    detail: /by the IDs the deploy resolved from Cloudflare's list$/,
  },
  {
    name: "a missing group fails and is named",
    check: () => checkGroups(planned, grantsOf(token(plannedNames.slice(1))), base),
    expected: { status: "fail", detail: `missing "${plannedNames[0]}" (com.cloudflare.api.account)` },
  },
  {
    name: "an extra Write group fails",
    check: () => checkGroups(planned, grantsOf(token([...plannedNames, "Account Settings Write"])), base),
    expected: { status: "fail" },
    detail: /^extra non-read group\(s\) "Account Settings Write".*read-only access$/,
  },
  {
    name: "a group ID Cloudflare's list does not name fails",
    check: () => checkGroups(planned, grantsOf(token([...plannedNames, "Mystery"])), base),
    expected: { status: "fail", detail: "group ID(s) unlisted-Mystery that Cloudflare's list does not name" },
  },
  {
    name: "an extra Read group is a warning",
    check: () => checkGroups(planned, grantsOf(token([...plannedNames, "DNS Read"])), base),
    expected: { status: "warn" },
    detail: /^extra read group\(s\) "DNS Read" \(com\.cloudflare\.api\.account\.zone\) that ascera\/least-privilege does not need$/,
  },
  {
    name: "an extra Read group fails when asked",
    check: () => checkGroups(planned, grantsOf(token([...plannedNames, "DNS Read"])), { ...base, extraRead: "fail" }),
    expected: { status: "fail" },
  },
];

const resourceBase = { plan, zoneNamesById: new Map<string, string>(), zonesUnspecified: false, stack: "dev" };
const resourceRows: Row[] = [
  {
    name: "the chosen account passes",
    check: () => checkResources(planned, grantsOf(token(plannedNames)), resourceBase),
    expected: { status: "pass", detail: `resources are the chosen account(s) ${ACME_CORP}` },
  },
  {
    name: "an account that was not chosen is wider than planned",
    check: () => checkResources(planned, grantsOf(token(plannedNames, { ...account(ACME_CORP), ...account(ACME_LABS) })), resourceBase),
    expected: { status: "fail" },
    detail: new RegExp(`^wider than planned: account ${ACME_LABS}, which was not chosen for \\d+ groups$`),
  },
  {
    name: '"All accounts" is wider than planned',
    check: () => checkResources(planned, grantsOf(token(plannedNames, { "com.cloudflare.api.account.*": "*" })), resourceBase),
    expected: { status: "fail" },
    detail: /^wider than planned: "All accounts" \(com\.cloudflare\.api\.account\.\*\)/,
  },
  {
    name: "another account instead of the chosen one is both wider and missing",
    check: () => checkResources(planned, grantsOf(token(plannedNames, account(ACME_LABS))), resourceBase),
    expected: { status: "fail" },
    detail: new RegExp(`; missing account ${ACME_CORP} for \\d+ groups$`),
  },
  {
    name: "groups the token lacks are the groups rule's finding, not this one's",
    check: () => checkResources(planned, grantsOf(token([])), resourceBase),
    expected: { status: "pass" },
  },
];

const expiryRows: Row[] = [
  {
    name: "no expiry fails",
    check: () => checkExpiry(undefined, { plan, plannedExpiryKnown: false, stack: "dev" }),
    expected: {
      status: "fail",
      detail: "the token never expires; the plan gives it an expiry",
      remedy: "Replace it with an expiring token: cfct rotate --stack dev (or pulumi up --stack dev).",
    },
  },
  {
    name: "an expiry passes when the plan's is not anchored on a generation",
    check: () => checkExpiry("2031-01-01T00:00:00Z", { plan, plannedExpiryKnown: false, stack: "dev" }),
    expected: { status: "pass", detail: "expires 2031-01-01T00:00:00Z" },
  },
  {
    name: "an anchored expiry within a day of the plan's passes",
    check: () => checkExpiry(plan.expiresOn, { plan, plannedExpiryKnown: true, stack: "dev" }),
    expected: { status: "pass" },
  },
  {
    name: "an anchored expiry more than a day off warns",
    check: () => checkExpiry("2031-01-01T00:00:00Z", { plan, plannedExpiryKnown: true, stack: "dev" }),
    expected: { status: "warn", detail: `expires 2031-01-01T00:00:00Z, the plan says ${plan.expiresOn}` },
  },
];

const filtered = { ...plan, allowedIps: ["203.0.113.0/24"], deniedIps: [] };
const ipRows: Row[] = [
  {
    name: "no filter, none planned",
    check: () => checkIpFilter(undefined, { plan }),
    expected: { status: "pass", detail: "no client-IP filter, none planned" },
  },
  {
    name: "the planned filter passes",
    check: () => checkIpFilter({ request_ip: { in: ["203.0.113.0/24"] } }, { plan: filtered }),
    expected: { status: "pass", detail: "client-IP filter as planned (allow 203.0.113.0/24; deny none)" },
  },
  {
    name: "a planned filter that is absent fails",
    check: () => checkIpFilter(undefined, { plan: filtered }),
    expected: { status: "fail", detail: "the planned client-IP filter is absent (planned: allow 203.0.113.0/24; deny none)" },
  },
  {
    name: "a filter the plan does not have warns",
    check: () => checkIpFilter({ request_ip: { not_in: ["198.51.100.7"] } }, { plan }),
    expected: { status: "warn" },
    detail: /^the token has a client-IP filter the plan does not \(allow any; deny 198\.51\.100\.7\)/,
  },
  {
    name: "a different filter fails",
    check: () => checkIpFilter({ request_ip: { in: ["192.0.2.0/24"] } }, { plan: filtered }),
    expected: {
      status: "fail",
      detail: "client-IP filter differs: token allows 192.0.2.0/24 and denies none; planned allow 203.0.113.0/24, deny none",
    },
  },
];

describe.each([
  ["exactness:groups", groupRows],
  ["exactness:resources", resourceRows],
  ["exactness:expiry", expiryRows],
  ["exactness:ip-filter", ipRows],
])("%s", (id, rows) => {
  it.each(rows)("$name", ({ check, expected, detail }) => {
    const found = check();
    expect(found).toMatchObject({ id, ...expected });
    if (detail) expect(found.detail).toMatch(detail);
    // Every finding but a pass says what to do.
    if (found.status === "pass") expect(found.remedy).toBeUndefined();
    else expect(found.remedy).toMatch(/\S/);
  });
});
