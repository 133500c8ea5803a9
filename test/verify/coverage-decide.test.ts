import { describe, expect, it } from "vitest";
import { decideHeld, decideListed, type ChosenZonesDecision } from "../../src/verify/coverage-decide";
import type { ResolvedZones } from "../../src/verify/types";
import { ACME_CORP, ACME_LABS, ACME_STATUS_ZONE } from "./helpers";

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
