import type { EndpointPermission } from "../../cloudflare/endpoint-permissions";
import type { FixtureAccount, FixtureZone } from "../fixture/schema";
import type { Inventory } from "../inventory";
import type { PermissionCatalog } from "../permission-catalog";
import type { SandboxToken, TokenPolicy } from "../tokens/token";
import { coversAllZonesOf, policyCovers, type AuthzTarget } from "./policy-resources";
import { SCOPES } from "../../domain/permission-group";

/** Sandbox IDs of the groups a route accepts (at least one is required). */
type AcceptedGroups = ReadonlySet<string>;

/**
 * Cloudflare's evaluation order (create-via-api.mdx@12de122): explicit deny policies first, then
 * explicit allow policies, then an implicit deny. A policy matches a request when one of its groups
 * is accepted by the route and its resources cover the target. A token never reaches beyond its
 * owner: a user's accounts (accepted memberships) or the one account that owns it.
 */
export class Authorizer {
  private readonly acceptedByEndpoint = new Map<EndpointPermission, AcceptedGroups>();
  // Keyed by the policies array: the token store replaces it on update and never mutates it, so a
  // cached answer can only be reused while the policies it was computed from are still the token's.
  // The inventory replaces its zone list when a zone is deleted, which starts a new cache.
  private visibleZonesCache = new WeakMap<readonly TokenPolicy[], Map<EndpointPermission, readonly FixtureZone[]>>();
  private cachedForZones: readonly FixtureZone[] | undefined;

  constructor(
    private readonly catalog: PermissionCatalog,
    private readonly inventory: Inventory,
  ) {}

  /** Whether the token may call the endpoint on the target. */
  allows(token: SandboxToken, endpoint: EndpointPermission, target: AuthzTarget): boolean {
    if (!this.ownerReaches(token, target)) return false;
    const accepted = this.acceptedGroups(endpoint);
    const matches = (policy: TokenPolicy) => this.policyMatches(policy, accepted, target);
    return !token.policies.some((p) => p.effect === "deny" && matches(p)) && token.policies.some((p) => p.effect === "allow" && matches(p));
  }

  /** The zones, in inventory order, on which the token may call the endpoint (GET /zones filters by this). */
  zonesAllowed(token: SandboxToken, endpoint: EndpointPermission): readonly FixtureZone[] {
    if (this.cachedForZones !== this.inventory.zones) {
      this.visibleZonesCache = new WeakMap();
      this.cachedForZones = this.inventory.zones;
    }
    let byEndpoint = this.visibleZonesCache.get(token.policies);
    if (!byEndpoint) {
      byEndpoint = new Map();
      this.visibleZonesCache.set(token.policies, byEndpoint);
    }
    let zones = byEndpoint.get(endpoint);
    if (!zones) {
      zones = this.inventory.zones.filter((zone) =>
        this.allows(token, endpoint, { kind: "zone", zoneId: zone.id, accountId: zone.account_id }),
      );
      byEndpoint.set(endpoint, zones);
    }
    return zones;
  }

  /**
   * For GET /zones without an exact name: does the token hold every zone of the account through one
   * of the endpoint's groups, by a resource that names all of them (an account-scope group on the
   * account, or a zone-scope group on all its zones), with no deny policy taking a zone away?
   */
  holdsAllZonesOf(token: SandboxToken, endpoint: EndpointPermission, accountId: string): boolean {
    const accountTarget: AuthzTarget = { kind: "account", accountId };
    if (!this.ownerReaches(token, accountTarget)) return false;
    const accepted = this.acceptedGroups(endpoint);
    const grantsAll = (policy: TokenPolicy) =>
      policy.permissionGroupIds.some((id) => {
        if (!accepted.has(id)) return false;
        const scope = this.catalog.findById(id)?.scope;
        if (scope === SCOPES.account) return policyCovers(policy.resources, scope, accountTarget);
        return scope === SCOPES.zone && coversAllZonesOf(policy.resources, accountId);
      });
    if (!token.policies.some((p) => p.effect === "allow" && grantsAll(p))) return false;
    const denies = token.policies.filter((p) => p.effect === "deny");
    if (denies.length === 0) return true;
    return this.inventory.zones
      .filter((zone) => zone.account_id === accountId)
      .every((zone) => !denies.some((p) => this.policyMatches(p, accepted, { kind: "zone", zoneId: zone.id, accountId })));
  }

  /** Whether the token's owner reaches the account at all (a user's memberships, or the owning account). */
  reachesAccount(token: SandboxToken, accountId: string): boolean {
    return this.ownerReaches(token, { kind: "account", accountId });
  }

  /** For GET /accounts: does some allow policy give the token any group on the account or one of its zones? */
  holdsAnyGroupOn(token: SandboxToken, account: FixtureAccount): boolean {
    const accountTarget: AuthzTarget = { kind: "account", accountId: account.id };
    if (!this.ownerReaches(token, accountTarget)) return false;
    const zones = this.inventory.zones.filter((z) => z.account_id === account.id);
    return token.policies.some(
      (policy) =>
        policy.effect === "allow" &&
        policy.permissionGroupIds.some((id) => {
          const scope = this.catalog.findById(id)?.scope;
          if (scope === SCOPES.account) return policyCovers(policy.resources, scope, accountTarget);
          if (scope === SCOPES.zone)
            return zones.some((z) => policyCovers(policy.resources, scope, { kind: "zone", zoneId: z.id, accountId: account.id }));
          return false;
        }),
    );
  }

  private acceptedGroups(endpoint: EndpointPermission): AcceptedGroups {
    let accepted = this.acceptedByEndpoint.get(endpoint);
    if (!accepted) {
      accepted = new Set(endpoint.groups.map((group) => this.catalog.require(group).id));
      this.acceptedByEndpoint.set(endpoint, accepted);
    }
    return accepted;
  }

  private policyMatches(policy: TokenPolicy, accepted: AcceptedGroups, target: AuthzTarget): boolean {
    return policy.permissionGroupIds.some((id) => {
      if (!accepted.has(id)) return false;
      const group = this.catalog.findById(id);
      return group !== undefined && policyCovers(policy.resources, group.scope, target);
    });
  }

  private ownerReaches(token: SandboxToken, target: AuthzTarget): boolean {
    const owner = token.owner;
    if (target.kind === "user") return owner.kind === "user" && owner.userId === target.userId;
    return owner.kind === "user" ? this.inventory.isUserMemberOf(target.accountId) : owner.accountId === target.accountId;
  }
}
