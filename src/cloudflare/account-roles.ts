/**
 * Account roles that may create account-owned tokens, as Cloudflare spells them. Account-owned tokens
 * were Super-Administrator-only (account-owned-tokens docs); the newer template page adds
 * Administrator ("Creating account tokens requires Super Administrator or Administrator permissions"),
 * and Cloudflare's 2026-10-01 changelog ("Account members can self-serve create Account API tokens")
 * the "API Token Provisioning" role. The sandbox enforces the same list, and cfct's preflight checks it.
 */
export const ACCOUNT_TOKEN_CREATOR_ROLES: readonly string[] = [
  "Super Administrator - All Privileges",
  "Administrator",
  "API Token Provisioning",
];

export function canCreateAccountTokens(roles: readonly string[]): boolean {
  return roles.some((role) => ACCOUNT_TOKEN_CREATOR_ROLES.includes(role));
}
