import { ALL_ZONES_KEY, RESOURCE_PREFIX, accountKey, zoneKey } from "../domain/resource-keys";
import {
  ASSUMED_ACCOUNT_TOKEN_RULE,
  ROLES,
  accountTokenAuthority,
  fullAuthorityRoles,
  groupsHeldByRoles,
  quoted,
} from "../cloudflare/account-roles";
import { CloudflareApiError, documentationHint, type CloudflareClient } from "../cloudflare/client";
import { tokenShape } from "../cloudflare/token-format";
import { HEX32 } from "../domain/ids";
import type { Settings } from "../config/schema";
import { plan } from "../plan/plan";
import { PLATFORMS } from "../platforms";
import type { DeployedToken } from "./engine";
import type { TokenPlan } from "../domain/plan";

/** One thing the provisioner lacks for this stack; `group` when a permission group would fix it. */
export interface PreflightFinding {
  readonly problem: string;
  readonly group?: string;
}

export interface PreflightReport {
  /** What stops the run: each one is refused by Cloudflare before or during the deploy. */
  readonly findings: readonly PreflightFinding[];
  /** Limits the run lives with (it goes ahead): said once, before anything is created. */
  readonly notes: readonly string[];
  /** Where to make a provisioner token with what is missing, and how (see bootstrapFor). */
  readonly dashboardLink?: string;
  readonly dashboardSteps?: string;
}

export interface PreflightOptions {
  /** The provisioner's value: its shape alone can tell an account-owned token or a Global API Key, before any call. */
  readonly credential?: string;
  /** The stack's deployed tokens: an account-owned token already there is updated in place when its plan changes, not created. */
  readonly deployed?: readonly DeployedToken[];
}

interface OwnPolicy {
  readonly effect?: string;
  readonly permission_groups?: readonly { readonly name?: string }[];
  readonly resources?: Record<string, unknown>;
}

/** Cloudflare's answer to an account-owned token at a user route (public live notes, 2026-07 … 2026-09). */
const USER_LEVEL_REFUSAL = /user-level authentication/i;

const ACCOUNT_OWNED_PROVISIONER =
  'the bootstrap needs a user token (My Profile > API Tokens > Create Token > "Create Additional Tokens"): only a user token can create user-owned tokens and read its user\'s memberships';

/**
 * Can this provisioner credential deploy this stack? Checked before anything is created: the
 * credential is a live user token; it holds "API Tokens Write" for user-owned tokens and "Account API
 * Tokens Write" plus a role that may create (and, for tokens already deployed, update) account-owned
 * tokens on each account that gets them; its user is a member of every chosen account; it can read
 * every chosen zone. Every finding, not the first; a credential that stops working during the check
 * is reported as such, not as missing groups. Connection failures are thrown (the caller stops before any change).
 */
export async function preflight(
  client: CloudflareClient,
  settings: Settings,
  now: Date,
  options: PreflightOptions = {},
): Promise<PreflightReport> {
  const plans = plan(settings, PLATFORMS, now);
  const userOwned = plans.some((p) => p.owner.kind === "user");
  const accountOwned = [...new Set(plans.flatMap((p) => (p.owner.kind === "account" ? [p.owner.accountId] : [])))];
  const accounts = [...new Set(plans.flatMap((p) => p.scope.accounts))];
  const zones = [...new Set(plans.flatMap((p) => (p.scope.zones === "all" ? [] : p.scope.zones)))];
  const stop = (problem: string): PreflightReport => ({ findings: [{ problem }], notes: [] });

  const shape = options.credential === undefined ? undefined : tokenShape(options.credential).kind;
  if (shape === "account-token")
    return stop(`the credential is an account-owned token (its value starts with "cfat_"; nothing was sent): ${ACCOUNT_OWNED_PROVISIONER}`);
  if (shape === "global-key")
    return stop(
      'the credential looks like a Global API Key, not an API token (nothing was sent): never give cfct or Pulumi the Global API Key; create a user API token from the "Create Additional Tokens" template',
    );

  const verified = await refusedAs(() => client.verifyToken({ kind: "user" }));
  if (verified instanceof CloudflareApiError) {
    // One user route tells an account-owned token (Cloudflare names the missing user) from a dead one.
    const user = await refusedAs(() => client.currentUser());
    if (user instanceof CloudflareApiError && user.mentions(USER_LEVEL_REFUSAL))
      return stop(`the credential is an account-owned token (GET /user answered ${user.message}): ${ACCOUNT_OWNED_PROVISIONER}`);
    return stop(
      `the credential is not accepted by ${client.baseUrl} (GET /user/tokens/verify: ${verified.message}); it must be an active user API token`,
    );
  }
  if (verified.status !== "active") return stop(`the credential is ${verified.status}; it must be active`);

  const findings: PreflightFinding[] = [];
  const notes: string[] = [];
  const refusals: CloudflareApiError[] = [];
  const refused = <T>(answer: T | CloudflareApiError): answer is CloudflareApiError => {
    if (answer instanceof CloudflareApiError) refusals.push(answer);
    return answer instanceof CloudflareApiError;
  };

  const own = await refusedAs(() => client.getToken({ kind: "user" }, verified.id));
  const ownPolicies = own instanceof CloudflareApiError ? undefined : ((own as { policies?: OwnPolicy[] }).policies ?? []);
  if (refused(own)) {
    findings.push({
      problem: `it cannot read its own permissions (GET /user/tokens/${verified.id}: ${own.message}); it needs API Tokens Write${documentationHint(own)}`,
      group: "API Tokens Write",
    });
  } else {
    const policies = (ownPolicies ?? []).filter((p) => p.effect !== "deny");
    const grants = (group: string, resource: (key: string) => boolean) =>
      policies.some((p) => p.permission_groups?.some((g) => g.name === group) && Object.keys(p.resources ?? {}).some(resource));
    if (userOwned && !grants("API Tokens Write", (key) => key.startsWith(RESOURCE_PREFIX.user))) {
      findings.push({ problem: "it cannot create user-owned tokens: it lacks API Tokens Write on its user", group: "API Tokens Write" });
    }
    for (const accountId of accountOwned) {
      if (!grants("Account API Tokens Write", (key) => key === accountKey(accountId) || key === accountKey("*"))) {
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
  if (refused(memberships)) {
    findings.push(
      memberships.mentions(USER_LEVEL_REFUSAL)
        ? { problem: `it is an account-owned token (GET /memberships answered ${memberships.message}): ${ACCOUNT_OWNED_PROVISIONER}` }
        : {
            problem: `it cannot read its user's account memberships (GET /memberships: ${memberships.message}); it needs Memberships Read${documentationHint(memberships)}`,
            group: "Memberships Read",
          },
    );
  } else {
    const membershipOf = (accountId: string) => memberships.find((m) => m.account?.id === accountId && m.status === "accepted");
    for (const accountId of accounts) {
      const membership = membershipOf(accountId);
      if (!membership)
        findings.push({ problem: `its user is not an accepted member of account ${accountId}, so it cannot grant anything there` });
      else if (accountOwned.includes(accountId)) {
        const judged = judgeAccountRoles(accountId, membership.roles ?? [], plans, options.deployed, settings.stack);
        findings.push(...judged.findings);
        notes.push(...judged.notes);
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
    const zoneRefused = refused(seen);
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
    } else if (zoneRefused)
      findings.push({
        problem: `it cannot read zone ${zone} (GET ${request}: ${seen.message}); check the zone, or give it Zone Read on it${documentationHint(seen)}`,
        group: "Zone Read",
      });
    else
      findings.push({
        problem: `zone ${zone} is not visible to it: check the name, or give it Zone Read on that zone`,
        group: "Zone Read",
      });
  }

  // A 401 or 403 is blamed on a missing group only while the credential still works: a provisioner
  // deleted or revoked during the check gets 403 9109 "Invalid access token" outside the verify routes.
  if (refusals.some((r) => r.kind === "forbidden" || r.kind === "unauthorized")) {
    const again = await refusedAs(() => client.verifyToken({ kind: "user" }));
    const gone = again instanceof CloudflareApiError ? again.message : again.status !== "active" ? `status ${again.status}` : undefined;
    if (gone !== undefined)
      return stop(
        `the credential stopped working while cfct checked it (GET /user/tokens/verify now answers ${gone}): it was revoked, deleted or disabled; the refusals before it say nothing about its permissions. Use a live provisioner token`,
      );
  }

  const missing = [...new Set(findings.flatMap((f) => (f.group ? [f.group] : [])))];
  return { findings, notes, ...bootstrapFor(missing, userOwned) };
}

/**
 * The account-owned tokens' side of the roles (src/cloudflare/account-roles.ts), judged under the
 * most recent rule (Super Administrator creates and updates; API Token Provisioning creates within
 * the groups its user holds and sees only what it created). Creating and updating are told apart:
 * an account where this stack already has tokens gets updates when their plans change.
 */
function judgeAccountRoles(
  accountId: string,
  roles: readonly string[],
  plans: readonly TokenPlan[],
  deployed: readonly DeployedToken[] | undefined,
  stack: string,
): { findings: PreflightFinding[]; notes: string[] } {
  const rule = ASSUMED_ACCOUNT_TOKEN_RULE;
  const authority = accountTokenAuthority(roles, rule);
  const held = `its user's roles on account ${accountId} (${quoted(roles)})`;
  const needed = quoted(fullAuthorityRoles(rule));
  const existing = (deployed ?? []).filter((t) => t.owner.kind === "account" && t.owner.accountId === accountId);
  if (authority === "full") return { findings: [], notes: [] };
  if (authority === "none") {
    const administrator = roles.includes(ROLES.administrator);
    return {
      findings: [
        {
          problem: administrator
            ? `${held} can neither create nor update account-owned tokens: since cloudflare-docs#33184 (2026-09-02, "Creating and updating an account owned token requires Super Administrator"), "Administrator" is not enough, though an earlier page (cloudflare-docs#28425) allowed it. Fix: grant the provisioner's user ${needed} on the account, or "API Token Provisioning" to create tokens within the groups it holds; \`cfct sandbox-parity --account ${accountId} --zone <zone>\` measures which rule this account follows`
            : `${held} can neither create nor update account-owned tokens: that needs ${needed}, or "API Token Provisioning" to create them within the groups its user holds`,
        },
      ],
      notes: [],
    };
  }
  // API Token Provisioning: creates only, within the groups its user's roles hold.
  const { holds, unknownRoles } = groupsHeldByRoles(roles);
  const granted = plans
    .filter((p) => p.owner.kind === "account" && p.owner.accountId === accountId)
    .flatMap((p) => p.policies.filter((policy) => policy.effect === "allow").flatMap((policy) => policy.permissionGroups));
  const notHeld = [...new Set(granted.filter((g) => !holds(g)).map((g) => g.name))];
  const findings: PreflightFinding[] = [];
  const notes: string[] = [];
  if (notHeld.length > 0 && unknownRoles.length === 0)
    findings.push({
      problem: `${held} hold "API Token Provisioning", which can only create tokens "using the permissions they already have" (Cloudflare changelog 2026-10-01), and they do not hold ${notHeld.map((g) => `"${g}"`).join(", ")}. Fix: grant the provisioner's user a role that holds them (for read groups, "Administrator Read Only"), or ${needed}`,
    });
  else if (notHeld.length > 0)
    notes.push(
      `account ${accountId}: cfct cannot tell whether ${quoted(unknownRoles)} hold ${notHeld.map((g) => `"${g}"`).join(", ")}; an "API Token Provisioning" member can only grant what its user holds, so Cloudflare refuses the create if they do not`,
    );
  notes.push(
    `account ${accountId}: the provisioner's user holds "API Token Provisioning", not ${needed}: it can create account-owned tokens but not update them (updating needs ${needed}, cloudflare-docs#33184)${existing.length > 0 ? `; this stack already has ${existing.length} token(s) there, so a change to their groups, resources or IP filter, which is an update, will be refused: issue a new generation instead (\`cfct rotate --stack ${stack} --force\`) or deploy the change with a Super Administrator's provisioner` : ""}`,
    `account ${accountId}: "API Token Provisioning" sees only the tokens its user created, so \`cfct rotate\` cannot read or revoke a token of this stack another member created there, and \`cfct audit\` lists that account's other tokens under notReviewed`,
  );
  return { findings, notes };
}

/**
 * Does the provisioner's own token grant Zone Read wherever `zone` could be: on it by ID, on every
 * zone, or on every zone of each chosen account (a stack's zones must be in its accounts)? A deny
 * policy naming Zone Read makes the answer unknown, so no.
 */
function holdsZoneReadOn(policies: readonly OwnPolicy[], zone: string, accounts: readonly string[]): boolean {
  const zoneRead = policies.filter((p) => p.permission_groups?.some((g) => g.name === "Zone Read"));
  if (zoneRead.some((p) => p.effect === "deny")) return false;
  const resources = zoneRead.flatMap((p) => Object.entries(p.resources ?? {}));
  const allZonesOf = (key: string) => resources.some(([k, v]) => k === key && typeof v === "object" && v !== null && ALL_ZONES_KEY in v);
  return (
    resources.some(([key]) => key === ALL_ZONES_KEY || (HEX32.test(zone) && key === zoneKey(zone))) ||
    allZonesOf(accountKey("*")) ||
    (accounts.length > 0 && accounts.every((account) => allZonesOf(accountKey(account))))
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

const API_TOKENS_PAGE = "https://dash.cloudflare.com/profile/api-tokens";

/**
 * Where a provisioner token with the missing groups is made. A stack with user-owned tokens needs
 * "API Tokens Write" (the dashboard's User > API Tokens > Edit), which only the "Create Additional
 * Tokens" template offers: not any other template, nor the Custom Token builder that a pre-filled
 * link opens ("Create tokens via API", updated 2026-09-28). So its bootstrap starts from that
 * template and adds the rest; a stack with only account-owned tokens can use a pre-filled link.
 */
export function bootstrapFor(missing: readonly string[], userOwned: boolean): { dashboardLink?: string; dashboardSteps?: string } {
  if (missing.length === 0) return {};
  if (userOwned) {
    const others = missing.filter((g) => g !== "API Tokens Write");
    return {
      dashboardLink: API_TOKENS_PAGE,
      dashboardSteps: `Create Token > "Create Additional Tokens" > Use template (only that template grants API Tokens Write)${others.length > 0 ? `, then add ${others.join(", ")} before Continue to summary` : ""}`,
    };
  }
  const link = provisionerTemplateUrl(missing);
  return link ? { dashboardLink: link } : {};
}

/**
 * https://dash.cloudflare.com/profile/api-tokens?permissionGroupKeys=[…]&accountId=*&zoneId=all&name=…
 * pre-fills a new custom user token with the groups it can name. The format is documented on a
 * Cloudflare how-to page, not in the API reference, and may change: it is a convenience, never the
 * only fix. It cannot carry API Tokens Write (see bootstrapFor).
 */
export function provisionerTemplateUrl(groups: readonly string[]): string | undefined {
  const keys = groups.flatMap((group) => (TEMPLATE_KEYS[group] ? [TEMPLATE_KEYS[group]] : []));
  if (keys.length === 0) return undefined;
  const query = `permissionGroupKeys=${encodeURIComponent(JSON.stringify(keys))}&accountId=*&zoneId=all&name=${encodeURIComponent("cfct provisioner")}`;
  return `${API_TOKENS_PAGE}?${query}`;
}

/** The report as one message: every finding, the groups to add, and where to make the token. */
export function describePreflight(report: PreflightReport, stack: string): string {
  const groups = [...new Set(report.findings.flatMap((f) => (f.group ? [f.group] : [])))];
  const prefilled = report.dashboardLink !== undefined && report.dashboardSteps === undefined;
  const byHand = groups.filter((g) => !TEMPLATE_KEYS[g]);
  const where = !report.dashboardLink
    ? ""
    : prefilled
      ? `; a new provisioner token pre-filled with ${groups.filter((g) => TEMPLATE_KEYS[g]).join(", ")}: ${report.dashboardLink}${byHand.length > 0 ? ` (add ${byHand.join(", ")} by hand)` : ""}`
      : `; make it at ${report.dashboardLink}: ${report.dashboardSteps}`;
  return [
    `the provisioner credential cannot deploy stack ${stack}:`,
    ...report.findings.map((f) => `  - ${f.problem}`),
    `Fix: ${groups.length > 0 ? `give the provisioner token ${groups.join(", ")} (or use a token that has them)` : "correct what each line above names (the stack's accounts, the provisioner user's memberships and roles, or the credential)"}${where}. Check again with \`cfct doctor --stack ${stack}\``,
  ].join("\n");
}
