import type { LivePermissionGroup, TokenDetails } from "../cloudflare/client";
import { SCOPES, groupKey, type PermissionGroupRef, type Scope } from "../domain/permission-group";
import { type TokenPlan } from "../domain/plan";
import { atomSet, resourceAtoms, scopeOfAtoms, type Atom } from "./atoms";

/** One permission group and every resource it reaches, across the policies that hold it. */
export interface Grant {
  readonly group: PermissionGroupRef;
  readonly atoms: ReadonlyMap<string, Atom>;
}

/** What a token grants, by group key, as Cloudflare stores it. */
export interface TokenGrants {
  readonly grants: ReadonlyMap<string, Grant>;
  /** Group IDs that neither the token's entries nor Cloudflare's list name. */
  readonly unknownIds: readonly string[];
  /** Deny policies only narrow: they are counted, not compared. */
  readonly denies: number;
}

/** The token's allow policies as grants; each group's scope is the one its resources imply among those Cloudflare lists for it. */
export function tokenGrants(token: TokenDetails, groups: readonly LivePermissionGroup[]): TokenGrants {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const grants = new Map<string, { group: PermissionGroupRef; atoms: Map<string, Atom> }>();
  const unknownIds: string[] = [];
  let denies = 0;
  for (const policy of token.policies ?? []) {
    if (policy.effect === "deny") {
      denies += 1;
      continue;
    }
    const atoms = resourceAtoms(policy.resources as Record<string, unknown>);
    const atomScope = scopeOfAtoms(atoms);
    for (const entry of policy.permission_groups ?? []) {
      const live = byId.get(entry.id);
      const name = live?.name ?? entry.name;
      if (!name) {
        unknownIds.push(entry.id);
        continue;
      }
      const scopes = (live?.scopes ?? []) as string[];
      const scope = (atomScope && scopes.includes(atomScope) ? atomScope : (scopes[0] as Scope | undefined)) ?? atomScope ?? SCOPES.account;
      const group = { name, scope };
      const grant = grants.get(groupKey(group)) ?? { group, atoms: new Map<string, Atom>() };
      for (const [key, atom] of atomSet(atoms)) grant.atoms.set(key, atom);
      grants.set(groupKey(group), grant);
    }
  }
  return { grants, unknownIds, denies };
}

/** The plan's allow policies as grants, zone names resolved to IDs where the provisioner found them. */
export function plannedGrants(plan: TokenPlan, zoneIdsByName: ReadonlyMap<string, string>): Map<string, Grant> {
  const planned = new Map<string, Grant>();
  for (const policy of plan.policies.filter((p) => p.effect === "allow")) {
    const atoms = resourceAtoms(policy.resources).map((atom): Atom => {
      const id = atom.kind === "zone-name" ? zoneIdsByName.get(atom.name) : undefined;
      return id ? { kind: "zone", id } : atom;
    });
    for (const group of policy.permissionGroups) planned.set(groupKey(group), { group, atoms: atomSet(atoms) });
  }
  return planned;
}
