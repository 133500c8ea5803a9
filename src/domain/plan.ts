import type { TokenOwner } from "./owner";
import type { PermissionGroupRef } from "./permission-group";
import type { PolicyResources } from "./resource-keys";

/**
 * One policy of a planned token: permission groups of one scope and the resources they apply to, as
 * Cloudflare's token body has them (the planner makes one policy per scope the profile uses).
 */
export interface PolicyPlan {
  /** The planner only ever allows; `deny` is Cloudflare's other effect, kept so a policy read back fits this type. */
  readonly effect: "allow" | "deny";
  /** Groups by (name, scope), sorted; names are resolved to Cloudflare's IDs at deploy time. */
  readonly permissionGroups: readonly PermissionGroupRef[];
  /** Resource keys, sorted; zone names and the provisioner's user stay symbolic until a deploy resolves them. */
  readonly resources: PolicyResources;
}

/**
 * One token generation a stack needs, as `plan()` makes it: pure data (no IDs looked up, no value),
 * byte-identical for the same settings, catalog and clock. The component, the policy pack and the
 * CLI all read this one plan.
 */
export interface TokenPlan {
  /** Stable key of the token across generations: the connection name, plus the account for per-account tokens. */
  readonly key: string;
  /** The connection (`connections[].name`) that asked for this token. */
  readonly connection: string;
  /** The platform's key, built-in or defined by the stack (`cf-compliance-tokens:platforms`). */
  readonly platform: string;
  /** The platform's permission profile the groups come from. */
  readonly profile: string;
  /** The provisioner's user (a user-owned token) or one account (one token per account). */
  readonly owner: TokenOwner;
  /** The token's name in Cloudflare (at most 120 characters). */
  readonly name: string;
  /** 1 for the first token of `key`; each rotation plans the next one beside it until the old one is revoked. */
  readonly generation: number;
  /** When this generation was (or, on a first deploy, is being) issued: the expiry anchor. */
  readonly issuedAt: string;
  /** One policy per scope the profile uses, in the order account, zone, user. */
  readonly policies: readonly PolicyPlan[];
  /** RFC 3339, second precision: when this generation was issued plus the TTL. */
  readonly expiresOn: string;
  /** Always null: a token is usable from its creation (Cloudflare's not_before is never set). */
  readonly notBefore: string | null;
  /** Client-IP filter: the CIDRs the token works from (empty: anywhere not denied). */
  readonly allowedIps: readonly string[];
  /** Client-IP filter: the CIDRs the token never works from. */
  readonly deniedIps: readonly string[];
  /** What the connection chose, so verification can compare what the token sees with what was asked for. */
  readonly scope: { readonly accounts: readonly string[]; readonly zones: "all" | readonly string[] };
}
