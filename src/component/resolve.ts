import { findKnownGroup, suggestKnownGroup } from "../cloudflare/permission-groups";
import { resolveResources, zoneNamesIn, type PolicyResources } from "../domain/resource-keys";
import { NothingChangedError } from "../domain/run-errors";
import type { CloudflareDirectory, LiveGroup } from "./directory";
import { describeGroup, type PermissionGroupRef } from "../domain/permission-group";
import { type TokenPlan } from "../domain/plan";

/** One policy of a token with its permission groups' IDs, and its resources with zone and user IDs. */
export interface ResolvedPolicy {
  readonly effect: "allow" | "deny";
  readonly permissionGroups: readonly (PermissionGroupRef & { readonly id: string })[];
  /** Compact JSON with sorted keys: byte-identical on every run, so previews show no false diff. */
  readonly resourcesJson: string;
  readonly resources: PolicyResources;
}

/** A planned token whose every name has a Cloudflare ID: what a ComplianceToken declares. */
export interface ResolvedToken {
  /** The token as planned, by names. */
  readonly plan: TokenPlan;
  /** The plan's policies, in its order, by IDs. */
  readonly policies: readonly ResolvedPolicy[];
}

/** Names are resolved before any resource is registered, so a failed resolution changed nothing. */
export class ResolutionError extends NothingChangedError {
  override name = "ResolutionError";
}

/** A known group Cloudflare stopped offering needs a catalog refresh; an unknown one is usually a docs display name. */
function missingGroupFix(group: PermissionGroupRef): string {
  if (findKnownGroup(group)) {
    return "Cloudflare no longer offers it. Fix: refresh the catalog (`npm run catalog` with a current permission-group list) and drop the group from the platform profile.";
  }
  return (
    suggestKnownGroup(group) ??
    "It is not in the catalog either. Fix: use a name and scope from src/cloudflare/permission-group-catalog.json."
  );
}

/**
 * Turns plans into provider inputs: group names to IDs (per owner's list endpoint), zone names and
 * the user to IDs. Costs one call per group list, one per distinct zone name, one for the user.
 * Every missing item across all tokens is reported at once, before any resource exists.
 */
export async function resolveTokens(plans: readonly TokenPlan[], directory: CloudflareDirectory): Promise<ResolvedToken[]> {
  const groupLists = new Map<string, Promise<readonly LiveGroup[]>>();
  const groupsFor = (plan: TokenPlan) => {
    const list = plan.owner.kind === "account" ? `account:${plan.owner.accountId}` : "user";
    if (!groupLists.has(list)) {
      groupLists.set(
        list,
        plan.owner.kind === "account" ? directory.accountPermissionGroups(plan.owner.accountId) : directory.userPermissionGroups(),
      );
    }
    return groupLists.get(list)!;
  };

  const zoneNames = [...new Set(plans.flatMap((p) => p.policies.flatMap((policy) => zoneNamesIn(policy.resources))))].sort();
  const needsUser = plans.some((p) =>
    p.policies.some((policy) => Object.keys(policy.resources).some((k) => k.startsWith("com.cloudflare.api.user."))),
  );
  const [zoneMatches, userId] = await Promise.all([
    Promise.all(zoneNames.map(async (name) => [name, await directory.zonesNamed(name)] as const)),
    needsUser ? directory.currentUserId() : Promise.resolve(undefined),
  ]);

  const problems: string[] = [];
  const resolved: ResolvedToken[] = [];
  for (const plan of plans) {
    const live = await groupsFor(plan);
    const zoneIdsByName = new Map<string, string>();
    for (const [name, zones] of zoneMatches) {
      const candidates = zones.filter((z) => z.name === name && plan.scope.accounts.includes(z.accountId));
      if (candidates.length === 1) zoneIdsByName.set(name, candidates[0]!.id);
      else if (candidates.length > 1)
        problems.push(`${plan.key}: zone "${name}" matches ${candidates.length} zones; use its zone ID instead`);
    }
    const policies = plan.policies.map((policy): ResolvedPolicy => {
      const permissionGroups = policy.permissionGroups.flatMap((group) => {
        const match = live.find((g) => g.name === group.name && g.scopes.includes(group.scope));
        if (!match) {
          problems.push(
            `${plan.key}: permission group ${describeGroup(group)} is not offered by Cloudflare's ${plan.owner.kind === "account" ? "account" : "user"} token list. ` +
              missingGroupFix(group),
          );
          return [];
        }
        return [{ ...group, id: match.id }];
      });
      let resources: PolicyResources = policy.resources;
      try {
        resources = resolveResources(policy.resources, { zoneIdsByName, userId });
      } catch (error) {
        const names = zoneNamesIn(policy.resources).filter((n) => !zoneIdsByName.has(n));
        problems.push(
          `${plan.key}: ${(error as Error).message}` +
            (names.length > 0
              ? ` (no zone of that name in account(s) ${plan.scope.accounts.join(", ")}; check the spelling or use the zone ID)`
              : ""),
        );
      }
      return {
        effect: policy.effect,
        permissionGroups: [...permissionGroups].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
        resources,
        resourcesJson: JSON.stringify(resources),
      };
    });
    resolved.push({ plan, policies });
  }
  // Generations of one key (during a rotation's grace) share their groups and zones: each problem once.
  const distinct = [...new Set(problems)];
  if (distinct.length > 0) {
    throw new ResolutionError(
      `cannot deploy: ${distinct.length} problem(s) resolving names to Cloudflare IDs\n${distinct.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return resolved;
}
