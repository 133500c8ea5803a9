/** What `cfct sandbox-parity` will send, in order: `--dry-run` prints it, and the recording follows it. */

/** One request of the recording, as `--dry-run` lists it and the file's `calls` record it. */
export interface ParityCall {
  readonly method: "GET" | "POST" | "DELETE";
  /** With `{zone-scoped}`-style placeholders in a plan; with IDs in a recording. */
  readonly path: string;
  readonly as: "provisioner" | "zone-scoped token";
  readonly purpose: string;
  /** Made only in this case (the recording decides from earlier answers). */
  readonly when?: string;
}

export const TOKEN_NAMES = ["zone-scoped", "order", "short-lived"] as const;
export type TestToken = (typeof TOKEN_NAMES)[number];

/** Every request a recording makes, in order; the recording itself follows this list. */
export function parityPlan(target: { readonly accountId: string; readonly zoneId: string }): ParityCall[] {
  const { accountId, zoneId } = target;
  const provisioner = "provisioner" as const;
  const scoped = "zone-scoped token" as const;
  return [
    {
      method: "GET",
      path: "/user/tokens/verify",
      as: provisioner,
      purpose: "the provisioner is active; rateLimitHeaders: does a verify route carry them?",
    },
    {
      method: "GET",
      path: "/user/tokens/permission_groups",
      as: provisioner,
      purpose:
        "IDs of Zone Read, Zone Settings Read, Firewall Services Read, Account Settings Read; rateLimitHeaders: the Ratelimit header",
    },
    {
      method: "GET",
      path: "/memberships?per_page=50",
      as: provisioner,
      purpose: "the provisioner's roles on the account (reported, not forced); rateLimitHeaders: did Ratelimit count the last call?",
    },
    {
      method: "GET",
      path: "/user/tokens/{provisioner}",
      as: provisioner,
      purpose: "accountTokenRoles: does the provisioner hold Account API Tokens Write on the account?",
      when: 'its user is "Administrator" there, not Super Administrator',
    },
    {
      method: "POST",
      path: `/accounts/${accountId}/tokens`,
      as: provisioner,
      purpose:
        "accountTokenRoles: a create with a 121-character name, which Cloudflare must refuse (400, nothing created) unless it refuses the role first (403)",
      when: 'its user is "Administrator" there, not Super Administrator, and the provisioner holds Account API Tokens Write there',
    },
    { method: "GET", path: `/zones/${zoneId}`, as: provisioner, purpose: "the zone's name, for the ?name= lookup" },
    ...TOKEN_NAMES.map((name): ParityCall => ({
      method: "POST",
      path: "/user/tokens",
      as: provisioner,
      purpose: `create the ${name} test token (read-only, one zone, expires within the hour)`,
    })),
    {
      method: "GET",
      path: "/user/tokens/{order}",
      as: provisioner,
      purpose: "policyReadBackOrder: the order policies and groups come back in",
    },
    {
      method: "GET",
      path: "/user/tokens?per_page=50&name={order name}",
      as: provisioner,
      purpose: "tokenListNameFilter: does ?name= narrow the list to the order test token?",
    },
    {
      method: "GET",
      path: "/zones",
      as: scoped,
      purpose: "zoneListing: an unfiltered list by a token holding one zone; the rate-limit item GET /zones carries",
    },
    { method: "GET", path: "/zones?name={zone name}", as: scoped, purpose: "a ?name= lookup of the zone the token holds" },
    {
      method: "GET",
      path: `/zones/${zoneId}/settings`,
      as: scoped,
      purpose: "missingPermissionCode: a route whose group (Zone Settings Read) the token lacks",
    },
    {
      method: "GET",
      path: `/accounts/${accountId}/tokens/verify`,
      as: scoped,
      purpose: "wrongOwnerVerifyStatus: a user token at the account verify route",
    },
    { method: "DELETE", path: "/user/tokens/{zone-scoped}", as: provisioner, purpose: "delete the zone-scoped test token, to use it dead" },
    {
      method: "GET",
      path: `/zones/${zoneId}`,
      as: scoped,
      purpose: "deadTokenAnswer: the deleted token outside the verify routes (401, or 403 9109 'Invalid access token')",
    },
    {
      method: "GET",
      path: "/user/tokens?per_page=50",
      as: provisioner,
      purpose: "expiredTokensInLists: is the expired short-lived token listed without include_expired?",
    },
    {
      method: "GET",
      path: "/user/tokens?per_page=50&include_expired=true",
      as: provisioner,
      purpose: "expiredTokensInLists: and with it?",
    },
    ...TOKEN_NAMES.filter((name) => name !== "zone-scoped").map((name): ParityCall => ({
      method: "DELETE",
      path: `/user/tokens/{${name}}`,
      as: provisioner,
      purpose: `delete the ${name} test token (in a finally)`,
    })),
  ];
}
