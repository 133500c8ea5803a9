/**
 * Who may create and update account-owned tokens, as Cloudflare spells the roles. One list, read by
 * the sandbox (which enforces it) and by cfct's preflight, doctor and audit (which check it first).
 *
 * Evidence, newest first:
 *  - cloudflare-docs#33184 (merged 2026-09-02, "confirmed with the product team"): "Creating and
 *    updating an account owned token requires Super Administrator permission on the account".
 *  - Cloudflare's changelog of 2026-10-01 ("Account members can self-serve create Account API
 *    tokens"): members with the "API Token Provisioning" role may create them, "only using the
 *    permissions they already have", and "can only view tokens they created"; Super Administrators
 *    and Administrators see all of them; tokens carry creator metadata.
 *  - cloudflare-docs#28425 (merged 2026-02-19): "Super Administrator or Administrator".
 * Which of the two documented rules an account follows is the sandbox behaviour `accountTokenRoles`.
 */

export const ROLES = {
  superAdministrator: "Super Administrator - All Privileges",
  administrator: "Administrator",
  administratorReadOnly: "Administrator Read Only",
  apiTokenProvisioning: "API Token Provisioning",
} as const;

/** The documented rules: `super-admin` (cloudflare-docs#33184), `administrator` (#28425), or none at all. */
export type AccountTokenRule = "super-admin" | "administrator" | "any-member";

/** The rule cfct assumes of a real account: the most recent evidence. `cfct sandbox-parity` can measure it. */
export const ASSUMED_ACCOUNT_TOKEN_RULE: AccountTokenRule = "super-admin";

/**
 * What a member may do with the account's tokens:
 *  - `full`: create and update any account token, with any group, and see every one;
 *  - `provisioning`: create, with only the groups its roles hold; see and delete only what it created;
 *    no update (updating needs Super Administrator: cloudflare-docs#33184);
 *  - `none`: neither.
 */
export type AccountTokenAuthority = "full" | "provisioning" | "none";

export function accountTokenAuthority(roles: readonly string[], rule: AccountTokenRule): AccountTokenAuthority {
  if (rule === "any-member") return "full";
  if (roles.includes(ROLES.superAdministrator)) return "full";
  if (rule === "administrator" && roles.includes(ROLES.administrator)) return "full";
  return roles.includes(ROLES.apiTokenProvisioning) ? "provisioning" : "none";
}

/**
 * "Super Administrators and Administrators can view all Account API tokens in an account, while
 * members with the API Token Provisioning role can only view tokens they created" (changelog 2026-10-01).
 */
export function seesOnlyOwnAccountTokens(roles: readonly string[]): boolean {
  return !roles.includes(ROLES.superAdministrator) && !roles.includes(ROLES.administrator) && roles.includes(ROLES.apiTokenProvisioning);
}

/** The roles that give full authority under the rule, for messages ("needs … or …"). */
export function fullAuthorityRoles(rule: AccountTokenRule): readonly string[] {
  return rule === "administrator" ? [ROLES.superAdministrator, ROLES.administrator] : [ROLES.superAdministrator];
}

export function quoted(roles: readonly string[]): string {
  return roles.length > 0 ? roles.map((r) => `"${r}"`).join(", ") : "no role";
}

/**
 * The permission groups a member's roles hold, by what the roles are known to grant: Super
 * Administrator and Administrator every group; Administrator Read Only every read group. Any other
 * role (API Token Provisioning itself, a custom role) is not known to grant a group: `unknownRoles`
 * names them, so a caller can say it cannot tell instead of claiming the group is missing.
 */
export function groupsHeldByRoles(roles: readonly string[]): {
  readonly holds: (group: { readonly name: string }) => boolean;
  readonly unknownRoles: readonly string[];
} {
  const everything = roles.includes(ROLES.superAdministrator) || roles.includes(ROLES.administrator);
  const reads = everything || roles.includes(ROLES.administratorReadOnly);
  const known = new Set<string>(Object.values(ROLES));
  return {
    holds: (group) => everything || (reads && / Read$/.test(group.name)),
    unknownRoles: roles.filter((role) => !known.has(role)),
  };
}
