import { SCOPES, groupKey } from "../domain/permission-group";
import { ALL_ZONES_KEY, RESOURCE_PREFIX } from "../domain/resource-keys";
import { atomKey, covers, type Atom } from "./atoms";
import { deployCommand } from "./diagnose";
import type { Grant, TokenGrants } from "./grants";
import type { Check, ExactnessExpectation } from "./types";

const ID = "exactness:resources";

type Expectation = Pick<ExactnessExpectation, "plan" | "zoneNamesById" | "zonesUnspecified" | "stack">;

/** Rule 2: for the groups the plan and the token share, the token reaches the planned resources, no fewer and no more. */
export function checkResources(planned: ReadonlyMap<string, Grant>, actual: TokenGrants, expect: Expectation): Check {
  const { plan } = expect;
  const chosenAccounts = new Set(plan.scope.accounts);
  // No zones were specified: specific zones, or all zones of a chosen account, are within the chosen accounts.
  const acceptable = (grant: Grant, atom: Atom): boolean =>
    grant.atoms.has(atomKey(atom)) ||
    (expect.zonesUnspecified &&
      grant.group.scope === SCOPES.zone &&
      (atom.kind === "zone" || (atom.kind === "account-zones" && chosenAccounts.has(atom.account))));
  const wider = new Map<string, { atom: Atom; groups: string[] }>();
  const narrower = new Map<string, { atom: Atom; groups: string[] }>();
  const note = (into: typeof wider, atom: Atom, group: string) =>
    into.set(atomKey(atom), { atom, groups: [...(into.get(atomKey(atom))?.groups ?? []), group] });
  for (const grant of planned.values()) {
    const held = actual.grants.get(groupKey(grant.group));
    if (!held) continue;
    for (const atom of held.atoms.values()) if (!acceptable(grant, atom)) note(wider, atom, grant.group.name);
    const zonesFlexible = expect.zonesUnspecified && grant.group.scope === SCOPES.zone;
    if (!zonesFlexible) for (const atom of grant.atoms.values()) if (!covers(held.atoms, atom)) note(narrower, atom, grant.group.name);
  }

  const describe = describer(expect);
  const groupsText = (names: string[]) => (names.length === 1 ? `"${names[0]}"` : `${names.length} groups`);
  const listed = (found: typeof wider) => [...found.values()].map((f) => `${describe(f.atom)} for ${groupsText(f.groups)}`).join("; ");
  const atoms = (found: typeof wider) => [...found.values()].map((f) => describe(f.atom)).join(", ");
  const deploy = deployCommand(expect.stack);
  const problems: string[] = [];
  const remedies: string[] = [];
  if (wider.size > 0) {
    problems.push(`wider than planned: ${listed(wider)}`);
    remedies.push(`Remove ${atoms(wider)} from the token: limit it to the chosen accounts and zones (${deploy}).`);
  }
  if (narrower.size > 0) {
    problems.push(`missing ${listed(narrower)}`);
    remedies.push(`Add ${atoms(narrower)} to the token's resources (${deploy}).`);
  }
  if (problems.length > 0) return { id: ID, status: "fail", detail: problems.join("; "), remedy: remedies.join(" ") };
  const chosenZoneCount = Array.isArray(plan.scope.zones) ? plan.scope.zones.length : 0;
  const zones = expect.zonesUnspecified
    ? " and zones within them"
    : plan.scope.zones === "all"
      ? " with all their zones"
      : chosenZoneCount > 0
        ? ` and the ${chosenZoneCount} chosen zone(s)`
        : "";
  return { id: ID, status: "pass", detail: `resources are the chosen account(s) ${plan.scope.accounts.join(", ")}${zones}` };
}

/** How a finding names an atom: zones by name where known, accounts by whether they were chosen. */
function describer(expect: Expectation): (atom: Atom) => string {
  const { scope } = expect.plan;
  const chosenZoneCount = Array.isArray(scope.zones) ? scope.zones.length : 0;
  const unchosen = (account: string) => (scope.accounts.includes(account) ? "" : ", which was not chosen");
  return (atom) => {
    switch (atom.kind) {
      case "everything":
        return `every resource ("*")`;
      case "all-zones":
        return `"All zones" (${ALL_ZONES_KEY}: every zone of every account)`;
      case "all-accounts":
        return `"All accounts" (${RESOURCE_PREFIX.account}*)`;
      case "all-users":
        return `every user (${RESOURCE_PREFIX.user}*)`;
      case "account-zones":
        return scope.accounts.includes(atom.account)
          ? `all zones of account ${atom.account}${chosenZoneCount > 0 ? ` ("All zones" where ${chosenZoneCount} zone(s) were chosen)` : ""}`
          : `all zones of account ${atom.account}${unchosen(atom.account)}`;
      case "account":
        return `account ${atom.id}${unchosen(atom.id)}`;
      case "zone":
        return `zone ${expect.zoneNamesById.get(atom.id) ?? atom.id}`;
      case "zone-name":
        return `zone ${atom.name} (no zone of that name in account(s) ${scope.accounts.join(", ")})`;
      case "user":
        return "the token's own user";
      case "other":
        return `resource "${atom.key}"`;
    }
  };
}
