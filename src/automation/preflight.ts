import { ACCOUNT_TOKEN_CREATOR_ROLES, canCreateAccountTokens } from "../cloudflare/account-roles";
import { CloudflareApiError, type CloudflareClient } from "../cloudflare/client";
import { HEX32 } from "../domain/ids";
import type { Settings } from "../config/schema";
import { plan } from "../plan/plan";
import { PLATFORMS } from "../platforms";

/** One thing the provisioner lacks for this stack; `group` when a permission group would fix it. */
export interface PreflightFinding {
  readonly problem: string;
  readonly group?: string;
}

export interface PreflightReport {
  readonly findings: readonly PreflightFinding[];
  /** A dashboard link that pre-fills a provisioner token with the missing groups it can name; see provisionerTemplateUrl. */
  readonly dashboardLink?: string;
}

interface OwnPolicy {
  readonly effect?: string;
  readonly permission_groups?: readonly { readonly name?: string }[];
  readonly resources?: Record<string, unknown>;
}

/**
 * Can this provisioner credential deploy this stack? Checked before anything is created: the
 * credential is active; it holds "API Tokens Write" for user-owned tokens and "Account API Tokens
 * Write" plus an Administrator membership on each account that gets account-owned tokens; it is a
 * member of every chosen account; it can read every chosen zone. Every finding, not the first.
 * Connection failures are thrown (the caller stops before any change).
 */
export async function preflight(client: CloudflareClient, settings: Settings, now: Date): Promise<PreflightReport> {
  const plans = plan(settings, PLATFORMS, now);
  const userOwned = plans.some((p) => p.owner.kind === "user");
  const accountOwned = [...new Set(plans.flatMap((p) => (p.owner.kind === "account" ? [p.owner.accountId] : [])))];
  const accounts = [...new Set(plans.flatMap((p) => p.scope.accounts))];
  const zones = [...new Set(plans.flatMap((p) => (p.scope.zones === "all" ? [] : p.scope.zones)))];

  const verified = await refusedAs(() => client.verifyToken({ kind: "user" }));
  if (verified instanceof CloudflareApiError) {
    return {
      findings: [
        {
          problem: `the credential is not accepted by ${client.baseUrl} (GET /user/tokens/verify: ${verified.message}); it must be an active user API token`,
        },
      ],
    };
  }
  if (verified.status !== "active") return { findings: [{ problem: `the credential is ${verified.status}; it must be active` }] };

  const findings: PreflightFinding[] = [];
  const own = await refusedAs(() => client.getToken({ kind: "user" }, verified.id));
  const ownPolicies = own instanceof CloudflareApiError ? undefined : ((own as { policies?: OwnPolicy[] }).policies ?? []);
  if (own instanceof CloudflareApiError) {
    findings.push({
      problem: `it cannot read its own permissions (GET /user/tokens/${verified.id}: ${own.message}); it needs API Tokens Write`,
      group: "API Tokens Write",
    });
  } else {
    const policies = (ownPolicies ?? []).filter((p) => p.effect !== "deny");
    const grants = (group: string, resource: (key: string) => boolean) =>
      policies.some((p) => p.permission_groups?.some((g) => g.name === group) && Object.keys(p.resources ?? {}).some(resource));
    if (userOwned && !grants("API Tokens Write", (key) => key.startsWith("com.cloudflare.api.user."))) {
      findings.push({ problem: "it cannot create user-owned tokens: it lacks API Tokens Write on its user", group: "API Tokens Write" });
    }
    for (const accountId of accountOwned) {
      if (
        !grants(
          "Account API Tokens Write",
          (key) => key === `com.cloudflare.api.account.${accountId}` || key === "com.cloudflare.api.account.*",
        )
      ) {
        findings.push({
          problem: `it cannot create account-owned tokens on account ${accountId}: it lacks Account API Tokens Write there`,
          group: "Account API Tokens Write",
        });
      }
    }
  }

  // Every page: a provisioner of a fleet belongs to more accounts than one page holds.
  const memberships = await refusedAs(() =>
    client.allPages<{ account?: { id?: string }; status?: string; roles?: string[] }>("/memberships"),
  );
  if (memberships instanceof CloudflareApiError) {
    findings.push({
      problem: `it cannot read its user's account memberships (GET /memberships: ${memberships.message}); it needs Memberships Read`,
      group: "Memberships Read",
    });
  } else {
    const membershipOf = (accountId: string) => memberships.find((m) => m.account?.id === accountId && m.status === "accepted");
    for (const accountId of accounts) {
      const membership = membershipOf(accountId);
      if (!membership)
        findings.push({ problem: `its user is not an accepted member of account ${accountId}, so it cannot grant anything there` });
      else if (accountOwned.includes(accountId) && !canCreateAccountTokens(membership.roles ?? [])) {
        findings.push({
          problem: `its user's roles on account ${accountId} (${(membership.roles ?? []).join(", ") || "none"}) cannot create account-owned tokens: that needs ${ACCOUNT_TOKEN_CREATOR_ROLES.map((r) => `"${r}"`).join(" or ")}`,
        });
      }
    }
  }

  for (const zone of zones) {
    // A zone is named by ID or by name; a token scoped to zones may read them one by one, not list them.
    const request = HEX32.test(zone) ? `/zones/${zone}` : `/zones?name=${zone}`;
    const seen = await refusedAs(async () =>
      HEX32.test(zone)
        ? (await client.get(`/zones/${zone}`)).result !== null
        : (await client.zonesPage({ name: zone })).zones.some((z) => z.name === zone),
    );
    if (seen === true) continue;
    // With Zone Read on every zone it could be, the zone is not there: a permission would not help.
    const accountsOfZone = [
      ...new Set(plans.flatMap((p) => (p.scope.zones !== "all" && p.scope.zones.includes(zone) ? p.scope.accounts : []))),
    ];
    if (ownPolicies && holdsZoneReadOn(ownPolicies, zone, accountsOfZone)) {
      findings.push({
        problem:
          `zone ${zone} is not in account(s) ${accountsOfZone.join(", ")} (GET ${request}: ${seen instanceof CloudflareApiError ? seen.message : "no such zone"}), ` +
          "though the provisioner holds Zone Read on every zone there: the name or ID is mistyped, or the zone was deleted or moved to another account. " +
          "Fix: correct or remove it in the stack's zones, or add the account that holds it",
      });
    } else if (seen instanceof CloudflareApiError)
      findings.push({
        problem: `it cannot read zone ${zone} (GET ${request}: ${seen.message}); check the zone, or give it Zone Read on it`,
        group: "Zone Read",
      });
    else
      findings.push({
        problem: `zone ${zone} is not visible to it: check the name, or give it Zone Read on that zone`,
        group: "Zone Read",
      });
  }

  const missing = [...new Set(findings.flatMap((f) => (f.group ? [f.group] : [])))];
  const link = provisionerTemplateUrl(missing);
  return { findings, ...(link ? { dashboardLink: link } : {}) };
}

const ALL_ZONES = "com.cloudflare.api.account.zone.*";

/**
 * Does the provisioner's own token grant Zone Read wherever `zone` could be: on it by ID, on every
 * zone, or on every zone of each chosen account (a stack's zones must be in its accounts)? A deny
 * policy naming Zone Read makes the answer unknown, so no.
 */
function holdsZoneReadOn(policies: readonly OwnPolicy[], zone: string, accounts: readonly string[]): boolean {
  const zoneRead = policies.filter((p) => p.permission_groups?.some((g) => g.name === "Zone Read"));
  if (zoneRead.some((p) => p.effect === "deny")) return false;
  const resources = zoneRead.flatMap((p) => Object.entries(p.resources ?? {}));
  const allZonesOf = (key: string) => resources.some(([k, v]) => k === key && typeof v === "object" && v !== null && ALL_ZONES in v);
  return (
    resources.some(([key]) => key === ALL_ZONES || (HEX32.test(zone) && key === `com.cloudflare.api.account.zone.${zone}`)) ||
    allZonesOf("com.cloudflare.api.account.*") ||
    (accounts.length > 0 && accounts.every((account) => allZonesOf(`com.cloudflare.api.account.${account}`)))
  );
}

/** A 4xx from Cloudflare is a finding; anything else (unreachable, 5xx after retries) is thrown. */
async function refusedAs<T>(run: () => Promise<T>): Promise<T | CloudflareApiError> {
  try {
    return await run();
  } catch (error) {
    if (
      error instanceof CloudflareApiError &&
      error.status !== undefined &&
      error.status >= 400 &&
      error.status < 500 &&
      error.kind !== "rate_limited"
    )
      return error;
    throw error;
  }
}

/**
 * The dashboard's token-template keys Cloudflare documents ("API token template URLs",
 * developers.cloudflare.com/fundamentals/api/how-to/account-owned-token-template/): only these
 * groups can be pre-filled; the others are named for adding by hand.
 */
const TEMPLATE_KEYS: Readonly<Record<string, { key: string; type: "read" | "edit" }>> = {
  "Account API Tokens Write": { key: "account_api_tokens", type: "edit" },
  "Zone Read": { key: "zone", type: "read" },
};

/**
 * https://dash.cloudflare.com/profile/api-tokens?permissionGroupKeys=[…]&accountId=*&zoneId=all&name=…
 * pre-fills a new user token with the groups it can name. The format is documented on a Cloudflare
 * how-to page, not in the API reference, and may change: it is a convenience, never the only fix.
 */
export function provisionerTemplateUrl(groups: readonly string[]): string | undefined {
  const keys = groups.flatMap((group) => (TEMPLATE_KEYS[group] ? [TEMPLATE_KEYS[group]] : []));
  if (keys.length === 0) return undefined;
  const query = `permissionGroupKeys=${encodeURIComponent(JSON.stringify(keys))}&accountId=*&zoneId=all&name=${encodeURIComponent("cfct provisioner")}`;
  return `https://dash.cloudflare.com/profile/api-tokens?${query}`;
}

/** The report as one message: every finding, the groups to add, and the link. */
export function describePreflight(report: PreflightReport, stack: string): string {
  const groups = [...new Set(report.findings.flatMap((f) => (f.group ? [f.group] : [])))];
  const byHand = groups.filter((g) => !TEMPLATE_KEYS[g]);
  return [
    `the provisioner credential cannot deploy stack ${stack}:`,
    ...report.findings.map((f) => `  - ${f.problem}`),
    `Fix: ${groups.length > 0 ? `give the provisioner token ${groups.join(", ")} (or use a token that has them)` : "correct the stack's accounts or the provisioner user's memberships"}` +
      (report.dashboardLink
        ? `; a new provisioner token pre-filled with ${groups.filter((g) => TEMPLATE_KEYS[g]).join(", ")}: ${report.dashboardLink}`
        : "") +
      (report.dashboardLink && byHand.length > 0 ? ` (add ${byHand.join(", ")} by hand)` : "") +
      `. Check again with \`cfct doctor --stack ${stack}\``,
  ].join("\n");
}
