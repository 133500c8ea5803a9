import { isReadOnlyGroup } from "../cloudflare/permission-groups";
import { CloudflareApiError, type CloudflareClient, type LivePermissionGroup, type TokenDetails } from "../cloudflare/client";
import { ALL_ZONES_KEY, RESOURCE_PREFIX, type PolicyResources } from "../domain/resource-keys";
import { deployCommand, diagnoseTransport, rotateCommand } from "./diagnose";
import type { VerifyMemo } from "./memo";
import type { Check, DeployedGroup } from "./types";
import { type TokenOwner } from "../domain/owner";
import { DAY_MS } from "../domain/time";
import { SCOPES, compareGroups, describeGroup, groupKey, type PermissionGroupRef, type Scope } from "../domain/permission-group";
import { type TokenPlan } from "../domain/plan";

/**
 * Check 3: the token as Cloudflare stores it (read by id with the provisioner credential) against
 * the plan: groups by (name, scope), resources, expiry, client-IP filter. One call reads the token;
 * its group IDs are named by the IDs the deploy resolved from Cloudflare's list when it holds no
 * other, else by the owner's permission-group list (one more call, once per owner and command).
 */

export interface ExactnessExpectation {
  readonly plan: TokenPlan;
  /** Zone names of the plan resolved to IDs (in the chosen accounts). */
  readonly zoneIdsByName: ReadonlyMap<string, string>;
  /** For messages: zone ID -> name. */
  readonly zoneNamesById: ReadonlyMap<string, string>;
  /** No zones were specified: any zones of the chosen accounts are acceptable. */
  readonly zonesUnspecified: boolean;
  /** The plan's expiry is anchored on a recorded generation (not on "now"), so it is worth comparing. */
  readonly plannedExpiryKnown: boolean;
  readonly extraRead: "warn" | "fail";
  readonly stack?: string;
}

export interface ExactnessContext extends ExactnessExpectation {
  readonly provisioner: CloudflareClient;
  readonly owner: TokenOwner;
  readonly tokenId: string;
  /** The token's groups as the deploy resolved them (the stack's outputs), when it was deployed by cfct. */
  readonly deployedGroups?: readonly DeployedGroup[];
  readonly memo?: VerifyMemo;
}

/** The token as Cloudflare stores it, with the groups that name its group IDs and where they came from. */
export interface ReadBack {
  readonly token: TokenDetails;
  readonly groups: readonly LivePermissionGroup[];
  readonly groupsFrom: "deploy" | "list";
}

/** Reads the token back (one call, two when its groups need Cloudflare's list), or says why it could not be compared. */
async function readBackToken(
  ctx: Pick<ExactnessContext, "provisioner" | "owner" | "tokenId" | "deployedGroups" | "memo">,
): Promise<ReadBack | Check> {
  try {
    const token = await ctx.provisioner.getToken(ctx.owner, ctx.tokenId);
    const deployed = new Map((ctx.deployedGroups ?? []).map((g) => [g.id, g]));
    const held = (token.policies ?? []).flatMap((p) => (p.permission_groups ?? []).map((g) => g.id));
    if (deployed.size > 0 && held.every((id) => deployed.has(id))) {
      return { token, groups: [...deployed.values()].map((g) => ({ id: g.id, name: g.name, scopes: [g.scope] })), groupsFrom: "deploy" };
    }
    const read = () => ctx.provisioner.permissionGroups(ctx.owner);
    const list = ctx.owner.kind === "account" ? `account ${ctx.owner.accountId}` : "user";
    const groups = ctx.memo ? (await ctx.memo.once(`permission groups of ${list}`, read)).answer : await read();
    return { token, groups, groupsFrom: "list" };
  } catch (error) {
    const needs =
      ctx.owner.kind === "account" ? '"Account API Tokens Read" (or Write) on the owning account' : '"API Tokens Read" (or Write)';
    if (
      error instanceof CloudflareApiError &&
      (error.kind === "forbidden" || error.kind === "unauthorized" || error.kind === "not_found")
    ) {
      const why =
        error.kind === "not_found"
          ? `token ${ctx.tokenId} is not among the ${ctx.owner.kind === "account" ? `tokens of account ${ctx.owner.accountId}` : "provisioner's user tokens"} (${error.message}); the provisioner must be the token's owner`
          : `the provisioner credential cannot read the token (${error.message})`;
      return {
        id: "exactness",
        status: "warn",
        detail: `not compared: ${why}`,
        remedy: `Use a provisioner credential with ${needs}: --provisioner-token-env <VAR>.`,
      };
    }
    const d = diagnoseTransport(error, "reading the token with the provisioner");
    return { id: "exactness", status: "fail", detail: d.detail, remedy: d.remedy };
  }
}

export async function checkExactness(ctx: ExactnessContext): Promise<{ readonly checks: Check[]; readonly readBack?: ReadBack }> {
  const readBack = await readBackToken(ctx);
  if (!("token" in readBack)) return { checks: [readBack] };
  const checks = compareTokenWithPlan(readBack.token, readBack.groups, ctx).map((check) =>
    check.id === "exactness:groups" && check.status === "pass" && readBack.groupsFrom === "deploy"
      ? { ...check, detail: `${check.detail}, by the IDs the deploy resolved from Cloudflare's list` }
      : check,
  );
  return { checks, readBack };
}

// ---------------------------------------------------------------------------------------------
// Pure comparison.

/** One resource grant, normalised. */
type Atom = string;

const ZONE = RESOURCE_PREFIX.zone;
const ACCOUNT = RESOURCE_PREFIX.account;
const USER = RESOURCE_PREFIX.user;

function keyAtom(key: string): Atom {
  if (key === "*") return "everything";
  if (key.startsWith(ZONE)) {
    const rest = key.slice(ZONE.length);
    if (rest === "*") return "all-zones";
    const name = /^<(.+)>$/.exec(rest)?.[1];
    return name ? `zone-name:${name}` : `zone:${rest}`;
  }
  if (key.startsWith(ACCOUNT)) {
    const rest = key.slice(ACCOUNT.length);
    return rest === "*" ? "all-accounts" : `account:${rest}`;
  }
  if (key.startsWith(USER)) {
    const rest = key.slice(USER.length);
    // A user token can only reach its own user: any concrete user ID is "self".
    return rest === "*" ? "all-users" : "user:self";
  }
  return `other:${key}`;
}

/** Normalises a policy's resources (flat or nested) into atoms. */
export function resourceAtoms(resources: PolicyResources | Record<string, unknown>): Atom[] {
  const atoms: Atom[] = [];
  for (const [key, value] of Object.entries(resources)) {
    if (value && typeof value === "object") {
      const outer = keyAtom(key);
      const account = outer.startsWith("account:") ? outer.slice("account:".length) : outer === "all-accounts" ? "*" : undefined;
      for (const inner of Object.keys(value as object)) {
        if (inner === ALL_ZONES_KEY)
          atoms.push(account === "*" ? "all-zones" : account ? `account-zones:${account}` : `other:${key}/${inner}`);
        else if (inner.startsWith(ZONE)) atoms.push(keyAtom(inner));
        else atoms.push(`other:${key}/${inner}`);
      }
    } else {
      atoms.push(keyAtom(key));
    }
  }
  return atoms;
}

function scopeOfAtoms(atoms: readonly Atom[]): Scope | undefined {
  if (atoms.some((a) => a.startsWith("zone") || a.startsWith("account-zones:") || a === "all-zones")) return SCOPES.zone;
  if (atoms.some((a) => a.startsWith("account:") || a === "all-accounts")) return SCOPES.account;
  if (atoms.some((a) => a.startsWith("user") || a === "all-users")) return SCOPES.user;
  return undefined;
}

interface ActualGrant {
  readonly group: PermissionGroupRef;
  readonly atoms: Set<Atom>;
}

function actualGrants(
  token: TokenDetails,
  groups: readonly LivePermissionGroup[],
): { grants: Map<string, ActualGrant>; unknownIds: string[]; denies: number } {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const grants = new Map<string, ActualGrant>();
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
      const key = groupKey(group);
      const grant = grants.get(key) ?? { group, atoms: new Set<Atom>() };
      atoms.forEach((a) => grant.atoms.add(a));
      grants.set(key, grant);
    }
  }
  return { grants, unknownIds, denies };
}

/** Does a set of granted atoms reach `atom`? A wider grant covers it (and is reported as wider instead). */
function covers(granted: ReadonlySet<Atom>, atom: Atom): boolean {
  if (granted.has(atom) || granted.has("everything")) return true;
  if (atom.startsWith("zone:") || atom.startsWith("zone-name:") || atom.startsWith("account-zones:")) {
    return granted.has("all-zones") || (!atom.startsWith("account-zones:") && [...granted].some((a) => a.startsWith("account-zones:")));
  }
  if (atom.startsWith("account:")) return granted.has("all-accounts");
  return false;
}

export function compareTokenWithPlan(token: TokenDetails, groups: readonly LivePermissionGroup[], expect: ExactnessExpectation): Check[] {
  const { plan } = expect;
  const deploy = deployCommand(expect.stack);
  const { grants, unknownIds, denies } = actualGrants(token, groups);

  // Expected atoms per planned group, zone names resolved to IDs where possible.
  const expected = new Map<string, { group: PermissionGroupRef; atoms: Set<Atom> }>();
  for (const policy of plan.policies.filter((p) => p.effect === "allow")) {
    const atoms = resourceAtoms(policy.resources).map((a) => {
      const name = a.startsWith("zone-name:") ? a.slice("zone-name:".length) : undefined;
      const id = name ? expect.zoneIdsByName.get(name) : undefined;
      return id ? `zone:${id}` : a;
    });
    for (const group of policy.permissionGroups) expected.set(groupKey(group), { group, atoms: new Set(atoms) });
  }

  // --- groups
  const missing = [...expected.values()]
    .filter((e) => !grants.has(groupKey(e.group)))
    .map((e) => e.group)
    .sort(compareGroups);
  const extra = [...grants.values()]
    .filter((g) => !expected.has(groupKey(g.group)))
    .map((g) => g.group)
    .sort(compareGroups);
  const extraWrite = extra.filter((g) => !isReadOnlyGroup(g));
  const extraRead = extra.filter((g) => isReadOnlyGroup(g));
  const groupProblems: string[] = [];
  const groupRemedies: string[] = [];
  let groupStatus: Check["status"] = "pass";
  if (missing.length > 0) {
    groupStatus = "fail";
    groupProblems.push(`missing ${missing.map(describeGroup).join(", ")}`);
    groupRemedies.push(`Add ${missing.map(describeGroup).join(", ")} to the token (${deploy} restores the planned groups).`);
  }
  if (extraWrite.length > 0 || unknownIds.length > 0) {
    groupStatus = "fail";
    if (extraWrite.length > 0)
      groupProblems.push(`extra non-read group(s) ${extraWrite.map(describeGroup).join(", ")}: the platform needs read-only access`);
    if (unknownIds.length > 0) groupProblems.push(`group ID(s) ${unknownIds.join(", ")} that Cloudflare's list does not name`);
    groupRemedies.push(`Remove ${[...extraWrite.map(describeGroup), ...unknownIds].join(", ")} from the token (${deploy}).`);
  }
  if (extraRead.length > 0) {
    if (expect.extraRead === "fail") groupStatus = "fail";
    else if (groupStatus === "pass") groupStatus = "warn";
    groupProblems.push(
      `extra read group(s) ${extraRead.map(describeGroup).join(", ")} that ${plan.platform}/${plan.profile} does not need`,
    );
    groupRemedies.push(`Remove ${extraRead.map(describeGroup).join(", ")} for least privilege (${deploy}).`);
  }
  const plannedCount = expected.size;
  const groupsCheck: Check =
    groupStatus === "pass"
      ? {
          id: "exactness:groups",
          status: "pass",
          detail: `exactly the ${plannedCount} planned permission group(s) of ${plan.platform}/${plan.profile}${denies ? ` (plus ${denies} deny polic${denies === 1 ? "y" : "ies"}, which only narrow)` : ""}`,
        }
      : { id: "exactness:groups", status: groupStatus, detail: groupProblems.join("; "), remedy: groupRemedies.join(" ") };

  // --- resources, for the groups the plan and the token share
  const chosenAccounts = new Set(plan.scope.accounts);
  const chosenZoneCount = Array.isArray(plan.scope.zones) ? plan.scope.zones.length : 0;
  const describeAtom = (atom: Atom): string => {
    const [kind, id = ""] = atom.split(/:(.*)/s);
    switch (kind) {
      case "everything":
        return `every resource ("*")`;
      case "all-zones":
        return `"All zones" (${ALL_ZONES_KEY}: every zone of every account)`;
      case "all-accounts":
        return `"All accounts" (${ACCOUNT}*)`;
      case "all-users":
        return `every user (${USER}*)`;
      case "account-zones":
        return chosenAccounts.has(id)
          ? `all zones of account ${id}${chosenZoneCount > 0 ? ` ("All zones" where ${chosenZoneCount} zone(s) were chosen)` : ""}`
          : `all zones of account ${id}, which was not chosen`;
      case "account":
        return chosenAccounts.has(id) ? `account ${id}` : `account ${id}, which was not chosen`;
      case "zone":
        return `zone ${expect.zoneNamesById.get(id) ?? id}`;
      case "zone-name":
        return `zone ${id} (no zone of that name in account(s) ${plan.scope.accounts.join(", ")})`;
      case "user":
        return "the token's own user";
      default:
        return `resource "${id || atom}"`;
    }
  };
  const acceptable = (group: PermissionGroupRef, atom: Atom, planned: Set<Atom>): boolean => {
    if (planned.has(atom)) return true;
    if (expect.zonesUnspecified && group.scope === SCOPES.zone) {
      // No zones were specified: specific zones, or all zones of a chosen account, are within the chosen accounts.
      if (atom.startsWith("zone:")) return true;
      if (atom.startsWith("account-zones:")) return chosenAccounts.has(atom.slice("account-zones:".length));
    }
    return false;
  };
  const wider = new Map<Atom, string[]>();
  const narrower = new Map<Atom, string[]>();
  for (const [key, exp] of expected) {
    const actual = grants.get(key);
    if (!actual) continue;
    for (const atom of actual.atoms)
      if (!acceptable(exp.group, atom, exp.atoms)) wider.set(atom, [...(wider.get(atom) ?? []), exp.group.name]);
    const zonesFlexible = expect.zonesUnspecified && exp.group.scope === SCOPES.zone;
    if (!zonesFlexible)
      for (const atom of exp.atoms) if (!covers(actual.atoms, atom)) narrower.set(atom, [...(narrower.get(atom) ?? []), exp.group.name]);
  }
  const groupsText = (names: string[]) => (names.length === 1 ? `"${names[0]}"` : `${names.length} groups`);
  const resourceProblems: string[] = [];
  const resourceRemedies: string[] = [];
  if (wider.size > 0) {
    resourceProblems.push(
      `wider than planned: ${[...wider].map(([atom, names]) => `${describeAtom(atom)} for ${groupsText(names)}`).join("; ")}`,
    );
    resourceRemedies.push(
      `Remove ${[...wider.keys()].map(describeAtom).join(", ")} from the token: limit it to the chosen accounts and zones (${deploy}).`,
    );
  }
  if (narrower.size > 0) {
    resourceProblems.push(`missing ${[...narrower].map(([atom, names]) => `${describeAtom(atom)} for ${groupsText(names)}`).join("; ")}`);
    resourceRemedies.push(`Add ${[...narrower.keys()].map(describeAtom).join(", ")} to the token's resources (${deploy}).`);
  }
  const resourcesCheck: Check =
    resourceProblems.length > 0
      ? { id: "exactness:resources", status: "fail", detail: resourceProblems.join("; "), remedy: resourceRemedies.join(" ") }
      : {
          id: "exactness:resources",
          status: "pass",
          detail: `resources are the chosen account(s) ${plan.scope.accounts.join(", ")}${
            expect.zonesUnspecified
              ? " and zones within them"
              : plan.scope.zones === "all"
                ? " with all their zones"
                : chosenZoneCount > 0
                  ? ` and the ${chosenZoneCount} chosen zone(s)`
                  : ""
          }`,
        };

  // --- expiry
  let expiryCheck: Check;
  if (!token.expires_on) {
    expiryCheck = {
      id: "exactness:expiry",
      status: "fail",
      detail: "the token never expires; the plan gives it an expiry",
      remedy: `Replace it with an expiring token: ${rotateCommand(expect.stack)} (or ${deploy}).`,
    };
  } else if (expect.plannedExpiryKnown && Math.abs(Date.parse(token.expires_on) - Date.parse(plan.expiresOn)) > DAY_MS) {
    expiryCheck = {
      id: "exactness:expiry",
      status: "warn",
      detail: `expires ${token.expires_on}, the plan says ${plan.expiresOn}`,
      remedy: `Redeploy so the token matches its generation (${deploy}), or rotate: ${rotateCommand(expect.stack)}.`,
    };
  } else {
    expiryCheck = { id: "exactness:expiry", status: "pass", detail: `expires ${token.expires_on}` };
  }

  // --- client-IP filter
  const ipIn = [...(token.condition?.request_ip?.in ?? [])].sort();
  const ipNotIn = [...(token.condition?.request_ip?.not_in ?? [])].sort();
  const wantIn = [...plan.allowedIps].sort();
  const wantNotIn = [...plan.deniedIps].sort();
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  let ipCheck: Check;
  if (same(ipIn, wantIn) && same(ipNotIn, wantNotIn)) {
    ipCheck = {
      id: "exactness:ip-filter",
      status: "pass",
      detail:
        wantIn.length || wantNotIn.length
          ? `client-IP filter as planned (allow ${wantIn.join(", ") || "any"}; deny ${wantNotIn.join(", ") || "none"})`
          : "no client-IP filter, none planned",
    };
  } else if ((wantIn.length > 0 && ipIn.length === 0) || (wantNotIn.length > 0 && ipNotIn.length === 0)) {
    ipCheck = {
      id: "exactness:ip-filter",
      status: "fail",
      detail: `the planned client-IP filter is absent (planned: allow ${wantIn.join(", ") || "any"}; deny ${wantNotIn.join(", ") || "none"})`,
      remedy: `Restore the filter so the token only works from the platform's addresses (${deploy}).`,
    };
  } else if (wantIn.length === 0 && wantNotIn.length === 0) {
    ipCheck = {
      id: "exactness:ip-filter",
      status: "warn",
      detail: `the token has a client-IP filter the plan does not (allow ${ipIn.join(", ") || "any"}; deny ${ipNotIn.join(", ") || "none"}); the platform may be refused`,
      remedy: `Add the filter to the stack config (token.allowedIps / deniedIps) or remove it from the token (${deploy}).`,
    };
  } else {
    ipCheck = {
      id: "exactness:ip-filter",
      status: "fail",
      detail: `client-IP filter differs: token allows ${ipIn.join(", ") || "any"} and denies ${ipNotIn.join(", ") || "none"}; planned allow ${wantIn.join(", ") || "any"}, deny ${wantNotIn.join(", ") || "none"}`,
      remedy: `Redeploy so the token carries the planned filter (${deploy}).`,
    };
  }

  return [groupsCheck, resourcesCheck, expiryCheck, ipCheck];
}
