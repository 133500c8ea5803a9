import type { TokenOwner } from "./owner";
import type { PermissionGroupRef } from "./permission-group";
import type { PolicyResources } from "./resource-keys";

export interface PolicyPlan {
  readonly effect: "allow" | "deny";
  readonly permissionGroups: readonly PermissionGroupRef[];
  readonly resources: PolicyResources;
}

export interface TokenPlan {
  /** Stable key of the token across generations: the connection name, plus the account for per-account tokens. */
  readonly key: string;
  readonly connection: string;
  readonly platform: string;
  readonly profile: string;
  readonly owner: TokenOwner;
  /** The token's name in Cloudflare (at most 120 characters). */
  readonly name: string;
  readonly generation: number;
  /** When this generation was (or, on a first deploy, is being) issued: the expiry anchor. */
  readonly issuedAt: string;
  readonly policies: readonly PolicyPlan[];
  /** RFC 3339, second precision: when this generation was issued plus the TTL. */
  readonly expiresOn: string;
  readonly notBefore: string | null;
  readonly allowedIps: readonly string[];
  readonly deniedIps: readonly string[];
  /** What the connection chose, so verification can compare what the token sees with what was asked for. */
  readonly scope: { readonly accounts: readonly string[]; readonly zones: "all" | readonly string[] };
}
