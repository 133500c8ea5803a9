import { KNOWN_PERMISSION_GROUPS, isReadOnlyGroup } from "./permission-groups";
import { SCOPES, groupKey, type PermissionGroupRef, type Scope } from "../domain/permission-group";

/**
 * THE table of which permission groups grant which Cloudflare endpoint. The sandbox authorizes with
 * it and the verifier picks its probes from it, so both agree by construction.
 *
 * Group lists are copied exactly (duplicates and odd names included) from
 * reference/probe-endpoints.md, which quotes the OpenAPI field `x-api-token-group` (OA,
 * cloudflare/api-schemas@c92b9b0) or the API reference's "Accepted Permissions" box (DOC). Rows
 * marked `assumption` have no such list in the reference; the note says what we chose and why.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** What a route acts on, which decides the resource an allow policy must cover. */
export type EndpointResource = "account" | "zone" | "user" | "none";

export interface EndpointPermission {
  readonly method: HttpMethod;
  /** OpenAPI-style template relative to /client/v4, e.g. `/zones/{zone_id}/firewall/ua_rules`. */
  readonly path: string;
  /** The OpenAPI operationId, or null where the reference names only a documentation page. */
  readonly operationId: string | null;
  readonly resource: EndpointResource;
  /** Groups of which at least one is required; empty means any valid token of the right kind. */
  readonly groups: readonly PermissionGroupRef[];
  /** Where the group list comes from (OA operation, DOC page, or the documentation file). */
  readonly source: string;
  /** Set when the row is our decision rather than a copied list; says what was decided. */
  readonly assumption?: string;
  /** Cloudflare marks the operation deprecated: still served, but the last choice for a probe. */
  readonly deprecated?: true;
}

interface RawRow {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string | null;
  readonly resource: EndpointResource;
  /** Names exactly as the reference lists them, separated by "; ". */
  readonly names: string;
  readonly source: string;
  readonly assumption?: string;
  readonly deprecated?: true;
}

const ACCESS_ORG_IDP_GROUPS =
  "Access: Organizations, Identity Providers, and Groups Write; Access: Organizations, Identity Providers, and Groups Read";
const ACCOUNT_FIREWALL_ACCESS_RULES = "Account Firewall Access Rules Write; Account Firewall Access Rules Read";
const FIREWALL_SERVICES = "Firewall Services Write; Firewall Services Read";
const ZONE_SETTINGS = "Zone Settings Write; Zone Settings Read";
const ACCOUNT_SETTINGS_MEMBERS = "SCIM Provisioning; Account Settings Write; Account Settings Read";
const ZONE_RULESETS =
  "Response Compression Write; Response Compression Read; Config Settings Write; Config Settings Read; Dynamic URL Redirects Write; Dynamic URL Redirects Read; Cache Settings Write; Cache Settings Read; Custom Errors Write; Custom Errors Read; Origin Write; Origin Read; Managed headers Write; Managed headers Read; Zone Transform Rules Write; Zone Transform Rules Read; Mass URL Redirects Write; Mass URL Redirects Read; Magic Firewall Write; Magic Firewall Read; L4 DDoS Managed Ruleset Write; L4 DDoS Managed Ruleset Read; HTTP DDoS Managed Ruleset Write; HTTP DDoS Managed Ruleset Read; Sanitize Write; Sanitize Read; Transform Rules Write; Transform Rules Read; Select Configuration Write; Select Configuration Read; Bot Management Write; Bot Management Read; Zone WAF Write; Zone WAF Read; Account WAF Write; Account WAF Read; Account Rulesets Read; Account Rulesets Write; Logs Write; Logs Read; Logs Write; Logs Read";
const USER_TOKENS_READ = "API Tokens Write; API Tokens Read";
const USER_TOKENS_WRITE = "API Tokens Write";
const ACCOUNT_TOKENS_READ = "Account API Tokens Write; Account API Tokens Read";
const ACCOUNT_TOKENS_WRITE = "Account API Tokens Write";
const ROLL_DOC = "https://developers.cloudflare.com/api/resources/user/subresources/tokens/subresources/value/methods/update";

const RAW_ROWS: readonly RawRow[] = [
  // --- identity and inventory ---
  {
    method: "GET",
    path: "/user",
    operationId: "user-user-details",
    resource: "user",
    names: "User Details Write; User Details Read",
    source: "OA user-user-details",
  },
  {
    method: "GET",
    path: "/memberships",
    operationId: "user'-s-account-memberships-list-memberships",
    resource: "user",
    names: "Memberships Write; Memberships Read",
    source: "OA user'-s-account-memberships-list-memberships",
  },
  {
    method: "GET",
    path: "/accounts",
    operationId: "accounts-list-accounts",
    resource: "none",
    names: "",
    source: "reference lists no x-api-token-group for this operation",
    assumption: "any valid user token; the list holds only accounts on which the token has some group",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}",
    operationId: "accounts-account-details",
    resource: "account",
    names:
      "Trust and Safety Write; Trust and Safety Read; DNS View Write; DNS View Read; SCIM Provisioning; Load Balancers Account Write; Load Balancers Account Read; Zero Trust: PII Read; DDoS Botnet Feed Write; DDoS Botnet Feed Read; Workers R2 Storage Write; Workers R2 Storage Read; DDoS Protection Write; DDoS Protection Read; Workers Tail Read; Workers KV Storage Write; Workers KV Storage Read; Workers Scripts Write; Workers Scripts Read; Load Balancing: Monitors and Pools Write; Load Balancing: Monitors and Pools Read; Account Firewall Access Rules Write; Account Firewall Access Rules Read; DNS Firewall Write; DNS Firewall Read; Billing Write; Billing Read; Account Settings Write; Account Settings Read",
    source: "OA accounts-account-details",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}/members",
    operationId: "account-members-list-members",
    resource: "account",
    names: ACCOUNT_SETTINGS_MEMBERS,
    source: "OA account-members-list-members",
  },
  // "Zone Zone Read" is how the OpenAPI spells it; Cloudflare's permission-group list only has "Zone Read" (zone scope), which is what we use.
  {
    method: "GET",
    path: "/zones",
    operationId: "zones-get",
    resource: "none",
    names: "Zone Read",
    source: 'OA zones-get lists "Zone Zone Read", read as "Zone Read"',
  },
  {
    method: "GET",
    path: "/zones/{zone_id}",
    operationId: "zones-0-get",
    resource: "zone",
    names:
      "Trust and Safety Write; Trust and Safety Read; Zero Trust: PII Read; Zaraz Edit; Zaraz Read; Zaraz Admin; Access: Apps and Policies Revoke; Access: Apps and Policies Write; Access: Apps and Policies Read; Access: Apps and Policies Revoke; Access: Mutual TLS Certificates Write; Access: Organizations, Identity Providers, and Groups Write; Zone Settings Write; Zone Settings Read; Zone Read; DNS Read; Workers Scripts Write; Workers Scripts Read; Zone Write; Workers Routes Write; Workers Routes Read; Stream Write; Stream Read; SSL and Certificates Write; SSL and Certificates Read; Logs Write; Logs Read; Cache Purge; Page Rules Write; Page Rules Read; Load Balancers Write; Load Balancers Read; Firewall Services Write; Firewall Services Read; DNS Write; Apps Write; Analytics Read; Access: Apps and Policies Write; Access: Apps and Policies Read",
    source: "OA zones-0-get",
  },

  // --- Zero Trust (account) ---
  {
    method: "GET",
    path: "/accounts/{account_id}/access/identity_providers",
    operationId: "access-identity-providers-list-access-identity-providers",
    resource: "account",
    names: ACCESS_ORG_IDP_GROUPS,
    source: "OA access-identity-providers-list-access-identity-providers",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}/access/groups",
    operationId: "access-groups-list-access-groups",
    resource: "account",
    names: ACCESS_ORG_IDP_GROUPS,
    source: "OA access-groups-list-access-groups",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}/access/organizations",
    operationId: "zero-trust-organization-get-your-zero-trust-organization",
    resource: "account",
    names:
      "Access: Organizations, Identity Providers, and Groups Revoke; Access: Organizations, Identity Providers, and Groups Write; Access: Organizations, Identity Providers, and Groups Read",
    source: "OA zero-trust-organization-get-your-zero-trust-organization",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}/access/users",
    operationId: "zero-trust-users-get-users",
    resource: "account",
    names: "Access: Audit Logs Read",
    source: "OA zero-trust-users-get-users",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}/access/apps",
    operationId: "access-applications-list-access-applications",
    resource: "account",
    names: "Access: Apps and Policies Revoke; Access: Apps and Policies Write; Access: Apps and Policies Read",
    source: "OA access-applications-list-access-applications",
  },

  // --- firewall ---
  {
    method: "GET",
    path: "/accounts/{account_id}/firewall/access_rules/rules",
    operationId: null,
    resource: "account",
    names: ACCOUNT_FIREWALL_ACCESS_RULES,
    source: "DOC https://developers.cloudflare.com/api/resources/firewall/subresources/access_rules/methods/list/",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}/firewall/access_rules/rules/{rule_id}",
    operationId: "ip-access-rules-for-an-account-get-an-ip-access-rule",
    resource: "account",
    names: ACCOUNT_FIREWALL_ACCESS_RULES,
    source: "OA ip-access-rules-for-an-account-get-an-ip-access-rule",
  },
  {
    method: "GET",
    path: "/zones/{zone_id}/firewall/ua_rules",
    operationId: "user-agent-blocking-rules-list-user-agent-blocking-rules",
    resource: "zone",
    names: FIREWALL_SERVICES,
    source: "OA user-agent-blocking-rules-list-user-agent-blocking-rules",
  },
  {
    method: "GET",
    path: "/zones/{zone_id}/firewall/access_rules/rules",
    operationId: "ip-access-rules-for-a-zone-list-ip-access-rules",
    resource: "zone",
    names: FIREWALL_SERVICES,
    source: "OA ip-access-rules-for-a-zone-list-ip-access-rules",
  },
  {
    method: "GET",
    path: "/zones/{zone_id}/firewall/lockdowns",
    operationId: "zone-lockdown-list-zone-lockdown-rules",
    resource: "zone",
    names: FIREWALL_SERVICES,
    source: "OA zone-lockdown-list-zone-lockdown-rules",
  },
  {
    method: "GET",
    path: "/zones/{zone_id}/firewall/waf/packages",
    operationId: "waf-packages-list-waf-packages",
    resource: "zone",
    names: FIREWALL_SERVICES,
    source: "OA waf-packages-list-waf-packages (previous WAF version)",
    deprecated: true,
  },

  // --- zone configuration ---
  {
    method: "GET",
    path: "/zones/{zone_id}/settings/{setting_id}",
    operationId: "zone-settings-get-single-setting",
    resource: "zone",
    names: ZONE_SETTINGS,
    source: "OA zone-settings-get-single-setting",
  },
  {
    method: "GET",
    path: "/zones/{zone_id}/settings",
    operationId: "zone-settings-get-all-zone-settings",
    resource: "zone",
    names: ZONE_SETTINGS,
    source: "OA zone-settings-get-all-zone-settings (x-forge-sunset 2030-01-01)",
    deprecated: true,
  },
  {
    method: "GET",
    path: "/zones/{zone_id}/rulesets",
    operationId: "listZoneRulesets",
    resource: "zone",
    names: ZONE_RULESETS,
    source: "OA listZoneRulesets",
  },
  {
    method: "GET",
    path: "/zones/{zone_id}/rulesets/phases/{ruleset_phase}/entrypoint",
    operationId: "getZoneEntrypointRuleset",
    resource: "zone",
    names: ZONE_RULESETS,
    source: "OA getZoneEntrypointRuleset (the reference quotes the http_request_firewall_managed phase)",
  },
  {
    method: "GET",
    path: "/zones/{zone_id}/access/apps",
    operationId: "zone-level-access-applications-list-access-applications",
    resource: "zone",
    names:
      "Access: Apps and Policies Revoke; Access: Apps and Policies Write; Access: Apps and Policies Read; Access: Apps and Policies Revoke; Access: Apps and Policies Write; Access: Apps and Policies Read",
    source: "OA zone-level-access-applications-list-access-applications",
  },

  // --- user-owned tokens ---
  {
    method: "GET",
    path: "/user/tokens/verify",
    operationId: "user-api-tokens-verify-token",
    resource: "user",
    names: "",
    source: "OA user-api-tokens-verify-token has no x-api-token-group: any valid user token",
  },
  {
    method: "GET",
    path: "/user/tokens/permission_groups",
    operationId: "permission-groups-list-permission-groups",
    resource: "user",
    names: USER_TOKENS_READ,
    source: "OA permission-groups-list-permission-groups",
  },
  {
    method: "GET",
    path: "/user/tokens",
    operationId: "user-api-tokens-list-tokens",
    resource: "user",
    names: USER_TOKENS_READ,
    source: "reference lists none",
    assumption: "same groups as token details",
  },
  {
    method: "POST",
    path: "/user/tokens",
    operationId: "user-api-tokens-create-token",
    resource: "user",
    names: USER_TOKENS_WRITE,
    source: "create-via-api.mdx@12de122; template.mdx@3e5c0a7 ('Create Additional Tokens')",
  },
  {
    method: "GET",
    path: "/user/tokens/{token_id}",
    operationId: "user-api-tokens-token-details",
    resource: "user",
    names: USER_TOKENS_READ,
    source: "OA user-api-tokens-token-details; DOC …/user/subresources/tokens/methods/get",
  },
  {
    method: "PUT",
    path: "/user/tokens/{token_id}",
    operationId: "user-api-tokens-update-token",
    resource: "user",
    names: USER_TOKENS_WRITE,
    source: "reference lists none",
    assumption: "changing a token needs the group that creates one",
  },
  {
    method: "DELETE",
    path: "/user/tokens/{token_id}",
    operationId: "user-api-tokens-delete-token",
    resource: "user",
    names: USER_TOKENS_WRITE,
    source: "reference lists none",
    assumption: "deleting a token needs the group that creates one",
  },
  {
    method: "PUT",
    path: "/user/tokens/{token_id}/value",
    operationId: "user-api-tokens-roll-token",
    resource: "user",
    names: USER_TOKENS_WRITE,
    source: `DOC ${ROLL_DOC}`,
  },

  // --- account-owned tokens ---
  {
    method: "GET",
    path: "/accounts/{account_id}/tokens/verify",
    operationId: "account-api-tokens-verify-token",
    resource: "account",
    names: "",
    source: "OA account-api-tokens-verify-token has no x-api-token-group: any valid token of this account",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}/tokens/permission_groups",
    operationId: null,
    resource: "account",
    names: ACCOUNT_TOKENS_READ,
    source: "OA GET /accounts/{account_id}/tokens/permission_groups @ c92b9b0 (cloudflare-permission-groups.json)",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}/tokens",
    operationId: null,
    resource: "account",
    names: ACCOUNT_TOKENS_READ,
    source: "reference lists none",
    assumption: "same groups as token details",
  },
  {
    method: "POST",
    path: "/accounts/{account_id}/tokens",
    operationId: null,
    resource: "account",
    names: ACCOUNT_TOKENS_WRITE,
    source: "DOC https://developers.cloudflare.com/api/go/resources/accounts/subresources/tokens/methods/create",
  },
  {
    method: "GET",
    path: "/accounts/{account_id}/tokens/{token_id}",
    operationId: null,
    resource: "account",
    names: ACCOUNT_TOKENS_READ,
    source: "DOC https://developers.cloudflare.com/api/go/resources/accounts/subresources/tokens/methods/get",
  },
  {
    method: "PUT",
    path: "/accounts/{account_id}/tokens/{token_id}",
    operationId: null,
    resource: "account",
    names: ACCOUNT_TOKENS_WRITE,
    source: "reference lists none",
    assumption: "changing a token needs the group that creates one",
  },
  {
    method: "DELETE",
    path: "/accounts/{account_id}/tokens/{token_id}",
    operationId: null,
    resource: "account",
    names: ACCOUNT_TOKENS_WRITE,
    source: "reference lists none",
    assumption: "deleting a token needs the group that creates one",
  },
  {
    method: "PUT",
    path: "/accounts/{account_id}/tokens/{token_id}/value",
    operationId: null,
    resource: "account",
    names: ACCOUNT_TOKENS_WRITE,
    source: "cloudflare npm SDK src/resources/accounts/tokens/value.ts (groups 'not read')",
    assumption: "same group as the user-token roll",
  },
];

const PATH_SCOPE: Readonly<Record<EndpointResource, Scope>> = {
  account: SCOPES.account,
  zone: SCOPES.zone,
  user: SCOPES.user,
  // The two list routes: /accounts lists accounts, /zones lists zones.
  none: SCOPES.zone,
};

const knownScopesByName = new Map<string, Scope[]>();
for (const group of KNOWN_PERMISSION_GROUPS) {
  knownScopesByName.set(group.name, [...(knownScopesByName.get(group.name) ?? []), group.scope]);
}

/**
 * The reference lists names without scopes. A name Cloudflare's permission-group list has at one
 * scope takes that scope; a name it has at several (e.g. "Access: Apps and Policies Read") takes the
 * scope of the route's path. (A test fails if a name is in the list at no scope.)
 */
function resolveGroup(name: string, pathScope: Scope): PermissionGroupRef {
  const scopes = knownScopesByName.get(name) ?? [];
  const scope = scopes.length === 1 ? scopes[0]! : pathScope;
  return { name, scope };
}

function resolveRow(raw: RawRow): EndpointPermission {
  const names = raw.names === "" ? [] : raw.names.split("; ");
  const pathScope = PATH_SCOPE[raw.resource];
  const groups = new Map<string, PermissionGroupRef>();
  for (const name of names) {
    const group = resolveGroup(name, pathScope);
    groups.set(groupKey(group), group);
  }
  const { names: _listedNames, ...row } = raw;
  return { ...row, groups: [...groups.values()] };
}

export const ENDPOINT_PERMISSIONS: readonly EndpointPermission[] = RAW_ROWS.map(resolveRow);

const byRoute = new Map(ENDPOINT_PERMISSIONS.map((row) => [`${row.method} ${row.path}`, row]));

/** The row of one route; throws for a route the table does not know (a programming error). */
export function endpointPermission(method: HttpMethod, path: string): EndpointPermission {
  const row = byRoute.get(`${method} ${path}`);
  if (!row) throw new Error(`no endpoint-permissions row for ${method} ${path}: add it to src/cloudflare/endpoint-permissions.ts`);
  return row;
}

export function grantsGroup(row: EndpointPermission, group: PermissionGroupRef): boolean {
  const key = groupKey(group);
  return row.groups.some((g) => groupKey(g) === key);
}

function readGroupCount(row: EndpointPermission): number {
  return row.groups.filter(isReadOnlyGroup).length;
}

function pathParameterCount(row: EndpointPermission): number {
  return (row.path.match(/\{/g) ?? []).length;
}

/**
 * The GET routes a group grants, best probe first: current before deprecated, then routes granted by
 * the fewest read groups (ideally only this one, so success proves this group), then routes needing
 * the fewest identifiers.
 */
export function probesFor(group: PermissionGroupRef): EndpointPermission[] {
  return ENDPOINT_PERMISSIONS.filter((row) => row.method === "GET" && grantsGroup(row, group))
    .map((row, order) => ({ row, order }))
    .sort(
      (a, b) =>
        Number(a.row.deprecated ?? false) - Number(b.row.deprecated ?? false) ||
        readGroupCount(a.row) - readGroupCount(b.row) ||
        pathParameterCount(a.row) - pathParameterCount(b.row) ||
        a.order - b.order,
    )
    .map(({ row }) => row);
}
