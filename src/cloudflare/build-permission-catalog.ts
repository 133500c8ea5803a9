import { z } from "zod";
import { type GroupAccess } from "./permission-groups";
import { SCOPES, SCOPE_ORDER, compareGroups, type Scope } from "../domain/permission-group";

/**
 * Builds the project's permission-group catalog (permission-group-catalog.json) from two reference
 * files: Cloudflare's API list of account-token groups (the authority on names and scopes) and the
 * documentation's tables (only for user-scope groups, which that list cannot contain, and as the
 * source of the display names people copy from the docs). `npm run catalog` writes the result; a
 * test fails when the shipped file differs from what this builds.
 */

const { user: USER, account: ACCOUNT, zone: ZONE } = SCOPES;

const apiListSchema = z.object({
  source: z.string(),
  groups: z.array(z.object({ id: z.string(), name: z.string().min(1), scopes: z.array(z.string()).length(1), description: z.string() })),
});

const docsListSchema = z.object({
  source: z.array(z.string()),
  groups: z.array(
    z.object({
      name: z.string().min(1),
      scope: z.string(),
      access: z.enum(["read", "write", "other"]),
      dashboardName: z.string().optional(),
    }),
  ),
});

export interface CatalogGroup {
  readonly name: string;
  readonly scope: Scope;
  readonly access: GroupAccess;
}

/** A name the documentation shows that the API does not use at that scope, and the API's name for it. */
export interface DocsAlias {
  readonly docsName: string;
  readonly scope: Scope;
  readonly apiName: string;
}

export interface PermissionCatalogFile {
  readonly $comment: string;
  readonly readOnlyRule: string;
  readonly source: { readonly apiList: string; readonly userScope: readonly string[] };
  readonly omitted: readonly { readonly name: string; readonly scope: string }[];
  readonly groups: readonly CatalogGroup[];
  readonly docsAliases: readonly DocsAlias[];
}

export const READ_ONLY_RULE =
  'A group is read-only ("read") when its API name ends in the word Read (any case, so "Access: SCIM logs read" counts), ' +
  'plus "Magic Firewall Packet Captures - Read PCAPs API" (its only verb is Read; described as "Grants read access to Packet Captures"), ' +
  'minus "Workers AI Read" (described as "Grants access to invoke Workers AI models": it runs billed inference, so it is "other"). ' +
  'A name ending in Write or Edit is "write"; every other name (Revoke, Purge, Run, Admin, Send, Bind, bare product names such as "Page Shield") is "other". ' +
  "A test checks that no read group's API description grants more than reading.";

/** Read-only despite a name that does not end in Read; the API description is the evidence. */
const READ_DESPITE_NAME: ReadonlySet<string> = new Set(["Magic Firewall Packet Captures - Read PCAPs API"]);
/** Named Read, but does more than read; the API description is the evidence. */
const NOT_READ_DESPITE_NAME: ReadonlySet<string> = new Set(["Workers AI Read"]);

export function accessOf(name: string): GroupAccess {
  if (NOT_READ_DESPITE_NAME.has(name)) return "other";
  if (READ_DESPITE_NAME.has(name) || /\bread$/i.test(name)) return "read";
  if (/\b(Write|Edit)$/.test(name)) return "write";
  return "other";
}

/**
 * The documentation tables' API-tab names that the API list does not have at that scope, matched by
 * hand to the API group that its description shows to be the same product (docs rows from
 * reference/cloudflare-permission-groups.json; API rows and descriptions from
 * cloudflare-permission-groups-api.json, whose `authority` note quotes the first four pairs).
 * A docs name with no counterpart in the API list ("Zero Trust PII Write") is left out.
 * The Drata guide's ten names are all API names already, so none needs an entry here.
 */
const DOCS_TO_API: readonly DocsAlias[] = [
  { scope: ZONE, docsName: "Cache Rules Read", apiName: "Cache Settings Read" },
  { scope: ZONE, docsName: "Cache Rules Write", apiName: "Cache Settings Write" },
  { scope: ACCOUNT, docsName: "Turnstile Read", apiName: "Turnstile Sites Read" },
  { scope: ACCOUNT, docsName: "Turnstile Write", apiName: "Turnstile Sites Write" },
  { scope: ZONE, docsName: "Transform Rules Read", apiName: "Zone Transform Rules Read" },
  { scope: ZONE, docsName: "Transform Rules Write", apiName: "Zone Transform Rules Write" },
  { scope: ZONE, docsName: "Page Shield Read", apiName: "Domain Page Shield Read" },
  // The account-scope "Page Shield" group is described "Grants write access to Page Shield".
  { scope: ACCOUNT, docsName: "Page Shield Write", apiName: "Page Shield" },
  { scope: ACCOUNT, docsName: "Account Filter Lists Read", apiName: "Account Rule Lists Read" },
  { scope: ACCOUNT, docsName: "Account Filter Lists Write", apiName: "Account Rule Lists Write" },
  { scope: ACCOUNT, docsName: "API Gateway Read", apiName: "Account API Gateway Read" },
  // "Account API Gateway": "Grants full access to API-Gateway Management ... across the whole account".
  { scope: ACCOUNT, docsName: "API Gateway Write", apiName: "Account API Gateway" },
  { scope: ZONE, docsName: "API Gateway Read", apiName: "Domain API Gateway Read" },
  { scope: ZONE, docsName: "API Gateway Write", apiName: "Domain API Gateway" },
  { scope: ACCOUNT, docsName: "Bulk URL Redirects Read", apiName: "Mass URL Redirects Read" },
  { scope: ACCOUNT, docsName: "Bulk URL Redirects Write", apiName: "Mass URL Redirects Write" },
  { scope: ACCOUNT, docsName: "Cloudflare Calls Read", apiName: "Calls Read" },
  { scope: ACCOUNT, docsName: "Cloudflare Calls Write", apiName: "Calls Write" },
  { scope: ACCOUNT, docsName: "Cloudflare Images Read", apiName: "Images Read" },
  { scope: ACCOUNT, docsName: "Cloudflare Images Write", apiName: "Images Write" },
  // The docs' API tab rendered "Argo Tunnel"; the docs file itself flags the live name as "Cloudflare Tunnel".
  { scope: ACCOUNT, docsName: "Argo Tunnel Read", apiName: "Cloudflare Tunnel Read" },
  { scope: ACCOUNT, docsName: "Argo Tunnel Write", apiName: "Cloudflare Tunnel Write" },
  { scope: ACCOUNT, docsName: "Cloud Email Security Read", apiName: "Cloud Email Security: Read" },
  { scope: ACCOUNT, docsName: "Email Security Write", apiName: "Cloud Email Security: Write" },
  { scope: ACCOUNT, docsName: "L3/4 DDoS Managed Ruleset Read", apiName: "L4 DDoS Managed Ruleset Read" },
  { scope: ACCOUNT, docsName: "L3/4 DDoS Managed Ruleset Write", apiName: "L4 DDoS Managed Ruleset Write" },
  { scope: ACCOUNT, docsName: "Magic Network Monitoring Read", apiName: "Magic Network Monitoring Config Read" },
  { scope: ACCOUNT, docsName: "Magic Network Monitoring Write", apiName: "Magic Network Monitoring Config Write" },
  { scope: ACCOUNT, docsName: "Pub/Sub Read", apiName: "Pubsub Configuration Read" },
  { scope: ACCOUNT, docsName: "Pub/Sub Write", apiName: "Pubsub Configuration Write" },
  { scope: ACCOUNT, docsName: "Zero Trust PII Read", apiName: "Zero Trust: PII Read" },
  { scope: ACCOUNT, docsName: "Zero Trust Seats Write", apiName: "Zero Trust: Seats Write" },
  { scope: ZONE, docsName: "Bot Management Feedback Read", apiName: "Bot Management Feedback Report Read" },
  { scope: ZONE, docsName: "Bot Management Feedback Write", apiName: "Bot Management Feedback Report Write" },
  { scope: ZONE, docsName: "Config Rules Read", apiName: "Config Settings Read" },
  { scope: ZONE, docsName: "Config Rules Write", apiName: "Config Settings Write" },
  { scope: ZONE, docsName: "Custom Error Rules Read", apiName: "Custom Errors Read" },
  { scope: ZONE, docsName: "Custom Error Rules Write", apiName: "Custom Errors Write" },
  { scope: ZONE, docsName: "DMARC Management Read", apiName: "Email Security DMARC Reports Read" },
  { scope: ZONE, docsName: "DMARC Management Write", apiName: "Email Security DMARC Reports Write" },
  { scope: ZONE, docsName: "Managed Headers Read", apiName: "Managed headers Read" },
  { scope: ZONE, docsName: "Managed Headers Write", apiName: "Managed headers Write" },
  { scope: ZONE, docsName: "Origin Rules Read", apiName: "Origin Read" },
  { scope: ZONE, docsName: "Origin Rules Write", apiName: "Origin Write" },
  // Single Redirects are the dynamic-redirect phase: "Grants read access to Dynamic URL Redirect".
  { scope: ZONE, docsName: "Single Redirect Read", apiName: "Dynamic URL Redirects Read" },
  { scope: ZONE, docsName: "Single Redirect Write", apiName: "Dynamic URL Redirects Write" },
  { scope: ZONE, docsName: "Waiting Room Read", apiName: "Waiting Rooms Read" },
  { scope: ZONE, docsName: "Waiting Room Write", apiName: "Waiting Rooms Write" },
  // The API's "Zaraz Edit" ("Can edit Zaraz settings"); "Zaraz Admin" also publishes.
  { scope: ZONE, docsName: "Zaraz Write", apiName: "Zaraz Edit" },
];

function isScope(scope: string): scope is Scope {
  return (SCOPE_ORDER as readonly string[]).includes(scope);
}

const keyOf = (name: string, scope: string) => `${scope}::${name}`;

/** Throws, naming the entry, when the hand-made table no longer fits the reference files. */
export function buildPermissionCatalog(apiListJson: unknown, docsListJson: unknown): PermissionCatalogFile {
  const apiList = apiListSchema.parse(apiListJson);
  const docsList = docsListSchema.parse(docsListJson);

  const groups: CatalogGroup[] = [];
  const omitted: { name: string; scope: string }[] = [];
  for (const { name, scopes } of apiList.groups) {
    const scope = scopes[0]!;
    if (isScope(scope)) groups.push({ name, scope, access: accessOf(name) });
    else omitted.push({ name, scope });
  }
  if (groups.some((g) => g.scope === USER)) throw new Error("the API list of account-token groups unexpectedly holds user-scope groups");
  for (const { name } of docsList.groups.filter((g) => g.scope === USER)) groups.push({ name, scope: USER, access: accessOf(name) });
  groups.sort(compareGroups);

  const inCatalog = new Set(groups.map((g) => keyOf(g.name, g.scope)));
  const docsNames = new Set(docsList.groups.map((g) => keyOf(g.name, g.scope)));
  for (const alias of DOCS_TO_API) {
    if (!docsNames.has(keyOf(alias.docsName, alias.scope)))
      throw new Error(`alias "${alias.docsName}" (${alias.scope}) is not a documentation name at that scope`);
    if (inCatalog.has(keyOf(alias.docsName, alias.scope)))
      throw new Error(`alias "${alias.docsName}" (${alias.scope}) is itself an API name: drop the alias`);
    if (!inCatalog.has(keyOf(alias.apiName, alias.scope)))
      throw new Error(`alias target "${alias.apiName}" (${alias.scope}) is not in the API list`);
  }

  // The dashboard tab's names ("Zone Settings Edit") point at the API tab's, then through the table above.
  const apiNameOfDocs = new Map(DOCS_TO_API.map((a) => [keyOf(a.docsName, a.scope), a.apiName]));
  const dashboardAliases: DocsAlias[] = docsList.groups.flatMap((g) => {
    if (!g.dashboardName || !isScope(g.scope) || inCatalog.has(keyOf(g.dashboardName, g.scope))) return [];
    const apiName = inCatalog.has(keyOf(g.name, g.scope)) ? g.name : apiNameOfDocs.get(keyOf(g.name, g.scope));
    return apiName ? [{ docsName: g.dashboardName, scope: g.scope, apiName }] : [];
  });
  const docsAliases = [...DOCS_TO_API, ...dashboardAliases].sort((a, b) =>
    compareGroups({ name: a.docsName, scope: a.scope }, { name: b.docsName, scope: b.scope }),
  );

  return {
    $comment:
      "GENERATED by `npm run catalog` (src/cloudflare/write-permission-catalog.ts); do not edit. Cloudflare's permission groups by (name, scope, access). " +
      "Names and scopes of account and zone groups are the API's own list; user-scope groups (which that list cannot hold) are the documentation's API-tab names. " +
      "docsAliases maps documentation display names to API names, for error messages. Production IDs are deliberately absent: IDs are resolved from Cloudflare's list endpoints at deploy time.",
    readOnlyRule: READ_ONLY_RULE,
    source: {
      apiList: apiList.source,
      userScope: docsList.source.filter((s) => /user-permissions-table|reference\/permissions\.mdx/.test(s)),
    },
    omitted,
    groups,
    docsAliases,
  };
}
