import { HEX32_PATTERN } from "../../domain/ids";
import { RESOURCE_PREFIX } from "../../domain/resource-keys";
import type { PolicyResources } from "../tokens/token";
import { SCOPES, type Scope } from "../../domain/permission-group";

/** The thing a request acts on, as authorization sees it. */
export type AuthzTarget =
  | { readonly kind: "user"; readonly userId: string }
  | { readonly kind: "account"; readonly accountId: string }
  | { readonly kind: "zone"; readonly zoneId: string; readonly accountId: string };

const ALL_ACCOUNTS = `${RESOURCE_PREFIX.account}*`;
const ALL_ZONES = `${RESOURCE_PREFIX.zone}*`;

/**
 * Whether a policy's resources cover the target for a group of the given scope. A group applies
 * only to its own resource type (create-via-api.mdx: "a group only applies to the resource type it
 * is scoped for"): user groups to `com.cloudflare.api.user.<id>`; account groups to
 * `com.cloudflare.api.account.<id>` or `.account.*` (a zone's account for zone routes); zone groups
 * to `.account.zone.<id>`, `.account.zone.*`, or an account key whose value nests `zone.*` / `zone.<id>`.
 */
export function policyCovers(resources: PolicyResources, scope: Scope, target: AuthzTarget): boolean {
  switch (scope) {
    case SCOPES.user:
      return target.kind === "user" && resources[`${RESOURCE_PREFIX.user}${target.userId}`] === "*";
    case SCOPES.account: {
      if (target.kind === "user") return false;
      return resources[`${RESOURCE_PREFIX.account}${target.accountId}`] === "*" || resources[ALL_ACCOUNTS] === "*";
    }
    case SCOPES.zone: {
      if (target.kind !== "zone") return false;
      const zoneKey = `${RESOURCE_PREFIX.zone}${target.zoneId}`;
      if (resources[zoneKey] === "*" || resources[ALL_ZONES] === "*") return true;
      return [resources[`${RESOURCE_PREFIX.account}${target.accountId}`], resources[ALL_ACCOUNTS]].some(
        (nested) => typeof nested === "object" && (nested[ALL_ZONES] === "*" || nested[zoneKey] === "*"),
      );
    }
  }
}

/**
 * Whether the resources name *all zones of the account* as such: `.account.zone.*`, or an account
 * key (the account's own or `.account.*`) nesting `zone.*`. Zones listed one by one do not count,
 * even when they happen to be every zone: Cloudflare ties listing zones to the all-zones grant
 * (nodecraft/acme-dns-01-cloudflare#8), and a zone added later would not be covered.
 */
export function coversAllZonesOf(resources: PolicyResources, accountId: string): boolean {
  if (resources[ALL_ZONES] === "*") return true;
  return [resources[`${RESOURCE_PREFIX.account}${accountId}`], resources[ALL_ACCOUNTS]].some(
    (nested) => typeof nested === "object" && nested[ALL_ZONES] === "*",
  );
}

/** A resource key the API accepts, parsed. */
export type ResourceKey =
  | { readonly kind: "user"; readonly userId: string }
  | { readonly kind: "account"; readonly accountId: string | "*" }
  | { readonly kind: "zone"; readonly zoneId: string | "*" };

const KEY_PATTERNS: readonly (readonly [RegExp, (id: string) => ResourceKey])[] = [
  // Order matters: ".account.zone." must win over ".account.".
  [new RegExp(`^com\\.cloudflare\\.api\\.account\\.zone\\.(${HEX32_PATTERN}|\\*)$`), (zoneId) => ({ kind: "zone", zoneId })],
  [new RegExp(`^com\\.cloudflare\\.api\\.account\\.(${HEX32_PATTERN}|\\*)$`), (accountId) => ({ kind: "account", accountId })],
  [new RegExp(`^com\\.cloudflare\\.api\\.user\\.(${HEX32_PATTERN})$`), (userId) => ({ kind: "user", userId })],
];

export function parseResourceKey(key: string): ResourceKey | undefined {
  for (const [pattern, build] of KEY_PATTERNS) {
    const id = pattern.exec(key)?.[1];
    if (id !== undefined) return build(id);
  }
  return undefined;
}
