import { describe, expect, it } from "vitest";
import { decideHeld, decideListed, type ChosenZonesDecision } from "../../src/verify/coverage-decide";
import { renderCounts, type AccountCount } from "../../src/verify/coverage-render";
import type { ResolvedZones } from "../../src/verify/types";
import { ACME_CORP, ACME_LABS, ACME_STATUS_ZONE } from "../helpers/verify";

/** Coverage's decisions, without I/O: the chosen zones against what the token reaches. */

const CORP_COM = "576e2aa970f9f4e230116c7c1d498a24";
const zone = (id: string, name: string, accountId = ACME_CORP) => ({ id, name, accountId });
const resolved: ResolvedZones = {
  byName: new Map([["acme-corp.com", CORP_COM]]),
  byId: new Map([
    [CORP_COM, "acme-corp.com"],
    [ACME_STATUS_ZONE, "acme-status.com"],
  ]),
  accountById: new Map([
    [CORP_COM, ACME_CORP],
    [ACME_STATUS_ZONE, ACME_CORP],
  ]),
};
const grants = (zones: string[], allZonesOf: string[] = []) => ({ zones: new Set(zones), allZonesOf: new Set(allZonesOf) });
const names = (decision: ChosenZonesDecision) => ({ ...decision, held: decision.held.map((z) => z.name) });

interface Row {
  readonly name: string;
  readonly decide: () => ChosenZonesDecision;
  readonly expected: Partial<Omit<ChosenZonesDecision, "held"> & { held: string[] }>;
}

const rows: Row[] = [
  {
    name: "listing: exactly the chosen zones, by name or ID",
    decide: () =>
      decideListed(["acme-corp.com", ACME_STATUS_ZONE], [zone(CORP_COM, "acme-corp.com"), zone(ACME_STATUS_ZONE, "acme-status.com")]),
    expected: { missing: [], extra: [], unresolved: [], held: ["acme-corp.com", "acme-status.com"], seesNothing: false },
  },
  {
    name: "listing: a chosen zone not seen is missing, a zone not chosen is extra",
    decide: () => decideListed(["acme-corp.com"], [zone(ACME_STATUS_ZONE, "acme-status.com")]),
    expected: { missing: ["acme-corp.com"], extra: ["acme-status.com"], held: [] },
  },
  {
    name: "listing: a token that lists nothing sees nothing",
    decide: () => decideListed(["acme-corp.com"], []),
    expected: { missing: ["acme-corp.com"], extra: [], seesNothing: true },
  },
  {
    name: "policies: the chosen zones held one by one",
    decide: () => decideHeld(["acme-corp.com", ACME_STATUS_ZONE], grants([CORP_COM, ACME_STATUS_ZONE]), resolved, [ACME_CORP]),
    expected: { evidence: "policies", missing: [], extra: [], unresolved: [], held: ["acme-corp.com", "acme-status.com"] },
  },
  {
    name: "policies: a name no zone of the chosen accounts has is unresolved",
    decide: () => decideHeld(["acme-corp.com", "typo.example"], grants([CORP_COM]), resolved, [ACME_CORP]),
    expected: { unresolved: ["typo.example"], missing: [], held: ["acme-corp.com"] },
  },
  {
    name: "policies: a chosen zone not held is missing, by name; another zone is extra",
    decide: () => decideHeld(["acme-corp.com"], grants([ACME_STATUS_ZONE]), resolved, [ACME_CORP]),
    expected: { missing: ["acme-corp.com"], extra: ["acme-status.com"], held: [] },
  },
  {
    name: "policies: all zones of another account hold nothing chosen and are extra",
    decide: () => decideHeld(["acme-corp.com"], grants([CORP_COM], [ACME_LABS]), resolved, [ACME_CORP]),
    expected: { missing: [], extra: [`all zones of account ${ACME_LABS}`], held: ["acme-corp.com"] },
  },
  {
    name: "policies: all zones of every account hold every chosen zone, and are extra",
    decide: () => decideHeld(["acme-corp.com"], grants([], ["*"]), resolved, [ACME_CORP]),
    expected: { missing: [], extra: ["all zones of every account"], held: ["acme-corp.com"] },
  },
];

describe("coverage decisions", () => {
  it.each(rows)("$name", ({ decide, expected }) => {
    expect(names(decide())).toMatchObject(expected);
  });
});

describe("coverage of all (or unspecified) zones, from per-account counts", () => {
  const missing = [zone(CORP_COM, "acme-corp.com")];
  it.each<{ name: string; counts: AccountCount[]; all: boolean; status: string }>([
    { name: "every zone seen passes", counts: [{ accountId: ACME_CORP, sees: 2, has: 2 }], all: true, status: "pass" },
    {
      name: "a missing zone fails when all were chosen",
      counts: [{ accountId: ACME_CORP, sees: 1, has: 2, missing }],
      all: true,
      status: "fail",
    },
    {
      name: "a missing zone warns when none were named",
      counts: [{ accountId: ACME_CORP, sees: 1, has: 2, missing }],
      all: false,
      status: "warn",
    },
    {
      name: "nothing seen and nothing counted warns",
      counts: [{ accountId: ACME_CORP, sees: 0, uncounted: "403" }],
      all: true,
      status: "warn",
    },
  ])("$name", ({ counts, all, status }) => {
    const check = renderCounts(counts, all ? { kind: "all" } : { kind: "unspecified", nameWith: "--zones" }, {
      accounts: [ACME_CORP],
      stack: "dev",
    });
    expect(check.status).toBe(status);
    if (status === "pass") expect(check.detail).toBe(`account ${ACME_CORP}: the token sees all 2 zone(s)`);
    else expect(check.remedy).toMatch(/\S/);
    if (counts[0]!.missing) expect(check.detail).toContain("the token sees 1 of 2 zone(s); missing acme-corp.com");
    if (!all) expect(check.detail).toMatch(/\(no zones were specified; pass --zones to compare with an exact list\)$/);
  });
});
