import type { DeployedToken } from "../automation/engine";
import { planFor } from "../automation/generations";
import { CloudflareApiError, type CloudflareClient, type LivePermissionGroup, type TokenDetails } from "../cloudflare/client";
import type { Settings } from "../config/schema";
import { generationNamed, plan as planTokens } from "../plan/plan";
import { zoneNamesIn } from "../domain/resource-keys";
import { compareTokenWithPlan } from "../verify/exactness";
import { findingsFor, namedGroups } from "./findings";
import { seesOnlyOwnAccountTokens } from "../cloudflare/account-roles";
import type { AccessReview, ReviewedToken, TokenClass } from "../evidence/access-review";
import { summarize } from "./report";
import { type TokenOwner } from "../domain/owner";
import { describeGroup } from "../domain/permission-group";
import { type TokenPlan } from "../domain/plan";

export interface ReviewInput {
  /** The provisioner credential's client: it lists the tokens, so the review sees what it can see. */
  readonly provisioner: CloudflareClient;
  /** The stack's settings, generations included. */
  readonly settings: Settings;
  /** The stack's outputs: the token generations it declares, by Cloudflare ID. */
  readonly deployed: readonly DeployedToken[];
  readonly now: Date;
}

/** The drift checks that compare policies; expiry has its own findings. */
const DRIFT_CHECKS = new Set(["exactness:groups", "exactness:resources", "exactness:ip-filter"]);

/**
 * The access review of one stack: every token of the provisioner's user and of each account the
 * stack names (all pages, expired included), classed and judged. Reads only; never a token value.
 */
export async function reviewAccess(input: ReviewInput): Promise<AccessReview> {
  const { provisioner, settings, now } = input;
  const owners: TokenOwner[] = [{ kind: "user" }, ...accountsOf(settings).map((accountId): TokenOwner => ({ kind: "account", accountId }))];
  const plans = planTokens(settings, undefined, now);
  const provisionerId = await provisionerTokenId(provisioner, owners);
  const zoneIds = await zoneIdsByName(provisioner, plans);
  const deployedById = new Map(input.deployed.map((t) => [t.id, t]));
  const rolesOn = await rolesByAccount(provisioner);

  const tokens: ReviewedToken[] = [];
  const notReviewed: AccessReview["notReviewed"] = [];
  for (const owner of owners) {
    let listed: TokenDetails[];
    let groups: LivePermissionGroup[];
    try {
      [listed, groups] = await Promise.all([provisioner.listTokens(owner), provisioner.permissionGroups(owner)]);
    } catch (error) {
      if (!(error instanceof CloudflareApiError) || !["forbidden", "unauthorized"].includes(error.kind)) throw error;
      const needs =
        owner.kind === "account" ? `"Account API Tokens Read" (or Write) on account ${owner.accountId}` : '"API Tokens Read" (or Write)';
      notReviewed.push({
        owner,
        detail: `the provisioner may not list these tokens (${error.message}). Fix: give the provisioner ${needs}`,
      });
      continue;
    }
    if (owner.kind === "account" && seesOnlyOwnAccountTokens(rolesOn?.get(owner.accountId) ?? [])) {
      // Listed tokens are reviewed below; the rest of the account's tokens are not absent, only invisible.
      notReviewed.push({
        owner,
        detail: `tokens other members created on account ${owner.accountId}: the provisioner's user holds "API Token Provisioning" there, not "Super Administrator - All Privileges" or "Administrator", and such a member sees only the tokens it created (Cloudflare changelog 2026-10-01). Fix: run the review with a provisioner whose user is Super Administrator or Administrator on the account`,
      });
    }
    for (const token of listed) {
      const deployed = deployedById.get(token.id ?? "");
      const tokenClass = classOf(token, { deployed, provisionerId, plans, settings });
      const planned = deployed ? planFor(plans, deployed) : undefined;
      const planChecks = planned
        ? compareTokenWithPlan(token, groups, {
            plan: planned,
            zoneIdsByName: zoneIds,
            zoneNamesById: new Map([...zoneIds].map(([name, id]) => [id, name])),
            zonesUnspecified: false,
            plannedExpiryKnown: true,
            extraRead: "fail",
            stack: settings.stack,
          }).filter((c) => DRIFT_CHECKS.has(c.id))
        : undefined;
      tokens.push(
        reviewed(
          token,
          owner,
          tokenClass,
          groups,
          findingsFor({ token, class: tokenClass, groups, now, ...(planChecks ? { planChecks } : {}) }),
        ),
      );
    }
  }
  return { stack: settings.stack, generatedAt: now.toISOString(), tokens, notReviewed, summary: summarize(tokens) };
}

function accountsOf(settings: Settings): string[] {
  return [...new Set(settings.connections.flatMap((c) => c.accounts))].sort();
}

function classOf(
  token: TokenDetails,
  context: { deployed: DeployedToken | undefined; provisionerId: string | undefined; plans: readonly TokenPlan[]; settings: Settings },
): TokenClass {
  if (token.id !== undefined && token.id === context.provisionerId) return "provisioner";
  if (context.deployed) return "managed";
  const name = token.name ?? "";
  const keys = new Set(context.plans.map((p) => p.key));
  return [...keys].some((key) => generationNamed(context.settings, key, name) !== undefined) ? "orphaned" : "unmanaged";
}

function reviewed(
  token: TokenDetails,
  owner: TokenOwner,
  tokenClass: TokenClass,
  groups: readonly LivePermissionGroup[],
  findings: ReviewedToken["findings"],
): ReviewedToken {
  return {
    id: token.id ?? "",
    name: token.name ?? "",
    owner,
    class: tokenClass,
    status: token.status ?? "unknown",
    lastUsedOn: token.last_used_on ?? null,
    expiresOn: token.expires_on ?? null,
    groups: namedGroups(token, groups).map(describeGroup),
    findings,
  };
}

/** The provisioner's user's roles per account, or undefined when its memberships cannot be read (then nothing is claimed about visibility). */
async function rolesByAccount(client: CloudflareClient): Promise<Map<string, string[]> | undefined> {
  try {
    const memberships = await client.allPages<{ account?: { id?: string }; status?: string; roles?: string[] }>("/memberships");
    return new Map(memberships.filter((m) => m.status === "accepted" && m.account?.id).map((m) => [m.account!.id!, m.roles ?? []]));
  } catch (error) {
    if (error instanceof CloudflareApiError && ["forbidden", "unauthorized"].includes(error.kind)) return undefined;
    throw error;
  }
}

/** Which listed token is the provisioner credential: its own verify route names it. */
async function provisionerTokenId(client: CloudflareClient, owners: readonly TokenOwner[]): Promise<string | undefined> {
  for (const owner of owners) {
    try {
      return (await client.verifyToken(owner)).id;
    } catch (error) {
      // An account-owned provisioner does not verify at /user/tokens/verify, nor at another account's route.
      if (!(error instanceof CloudflareApiError) || !["unauthorized", "forbidden", "not_found", "client"].includes(error.kind)) throw error;
    }
  }
  return undefined;
}

/** The zone names the plans use, looked up by name in their accounts (a scoped credential may not list zones). */
async function zoneIdsByName(client: CloudflareClient, plans: readonly TokenPlan[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const plan of plans) {
    for (const name of plan.policies.flatMap((p) => zoneNamesIn(p.resources))) {
      if (ids.has(name)) continue;
      for (const accountId of plan.scope.accounts) {
        const found = (await client.zonesPage({ accountId, name })).zones.find((z) => z.name === name);
        if (found) {
          ids.set(name, found.id);
          break;
        }
      }
    }
  }
  return ids;
}
