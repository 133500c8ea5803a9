import type { PolicyResources } from "../../domain/resource-keys";

export type { PolicyResources };

/** Who a token belongs to: a user (My Profile > API Tokens) or one account (Account API Tokens). */
export type TokenOwner = { readonly kind: "user"; readonly userId: string } | { readonly kind: "account"; readonly accountId: string };

export function isSameOwner(a: TokenOwner, b: TokenOwner): boolean {
  return a.kind === "user" ? b.kind === "user" && a.userId === b.userId : b.kind === "account" && a.accountId === b.accountId;
}

export interface TokenPolicy {
  readonly id: string;
  readonly effect: "allow" | "deny";
  readonly permissionGroupIds: readonly string[];
  readonly resources: PolicyResources;
}

/** condition.request_ip: the client address must be in some `in` CIDR (when any) and in no `notIn` CIDR. */
export interface IpCondition {
  readonly in: readonly string[];
  readonly notIn: readonly string[];
}

/** The stored status; "expired" is never stored, it is derived from expires_on and the clock. */
export type StoredStatus = "active" | "disabled";

/** What a create or update request asks for, already validated. */
export interface TokenSpec {
  readonly name: string;
  readonly policies: readonly TokenPolicy[];
  readonly notBefore: Date | null;
  readonly expiresOn: Date | null;
  readonly condition: IpCondition;
  readonly status: StoredStatus;
}

/** A token as the sandbox stores it: metadata and the SHA-256 of its value, never the value. */
export interface SandboxToken extends TokenSpec {
  readonly id: string;
  readonly owner: TokenOwner;
  /**
   * The user whose token created this account-owned token (Cloudflare's changelog of 2026-10-01:
   * "Account API tokens now include creator metadata"). The API's field for it is not documented, so
   * the sandbox's API does not serve it; the control plane's token list shows it.
   */
  readonly createdBy: string | null;
  readonly issuedOn: Date;
  readonly modifiedOn: Date;
  readonly lastUsedOn: Date | null;
  /** When Cloudflare deactivated the token because its value was found exposed (leaked); a roll clears it. */
  readonly exposedOn: Date | null;
  readonly valueHash: string;
}
