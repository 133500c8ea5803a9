import { CloudflareApiError, type CloudflareClient, type LivePermissionGroup, type TokenDetails } from "../cloudflare/client";
import { type TokenOwner } from "../domain/owner";
import { diagnoseTransport } from "./diagnose";
import { checkExpiry } from "./exactness-expiry";
import { checkGroups } from "./exactness-groups";
import { checkIpFilter } from "./exactness-ip-filter";
import { checkResources } from "./exactness-resources";
import { plannedGrants, tokenGrants } from "./grants";
import type { VerifyMemo } from "./memo";
import type { Check, DeployedGroup, ExactnessExpectation, ReadBack } from "./types";

/**
 * Check 3: the token as Cloudflare stores it (read by id with the provisioner credential) against
 * the plan: groups by (name, scope), resources, expiry, client-IP filter. One call reads the token;
 * its group IDs are named by the IDs the deploy resolved from Cloudflare's list when it holds no
 * other, else by the owner's permission-group list (one more call, once per owner and command).
 */

export interface ExactnessContext extends ExactnessExpectation {
  readonly provisioner: CloudflareClient;
  readonly owner: TokenOwner;
  readonly tokenId: string;
  /** The token's groups as the deploy resolved them (the stack's outputs), when it was deployed by cfct. */
  readonly deployedGroups?: readonly DeployedGroup[];
  readonly memo?: VerifyMemo;
}

/** Reads the token back (one call, two when its groups need Cloudflare's list), or says why it could not be compared. */
async function readBackToken(
  ctx: Pick<ExactnessContext, "provisioner" | "owner" | "tokenId" | "deployedGroups" | "memo">,
): Promise<ReadBack | Check> {
  try {
    const token = await ctx.provisioner.getToken(ctx.owner, ctx.tokenId);
    const deployed = new Map((ctx.deployedGroups ?? []).map((g) => [g.id, g]));
    const held = (token.policies ?? []).flatMap((p) => (p.permission_groups ?? []).map((g) => g.id));
    if (deployed.size > 0 && held.every((id) => deployed.has(id))) {
      return { token, groups: [...deployed.values()].map((g) => ({ id: g.id, name: g.name, scopes: [g.scope] })), groupsFrom: "deploy" };
    }
    const read = () => ctx.provisioner.permissionGroups(ctx.owner);
    const list = ctx.owner.kind === "account" ? `account ${ctx.owner.accountId}` : "user";
    const groups = ctx.memo ? (await ctx.memo.once(`permission groups of ${list}`, read)).answer : await read();
    return { token, groups, groupsFrom: "list" };
  } catch (error) {
    const needs =
      ctx.owner.kind === "account" ? '"Account API Tokens Read" (or Write) on the owning account' : '"API Tokens Read" (or Write)';
    if (
      error instanceof CloudflareApiError &&
      (error.kind === "forbidden" || error.kind === "unauthorized" || error.kind === "not_found")
    ) {
      const why =
        error.kind === "not_found"
          ? `token ${ctx.tokenId} is not among the ${ctx.owner.kind === "account" ? `tokens of account ${ctx.owner.accountId}` : "provisioner's user tokens"} (${error.message}); the provisioner must be the token's owner`
          : `the provisioner credential cannot read the token (${error.message})`;
      return {
        id: "exactness",
        status: "warn",
        detail: `not compared: ${why}`,
        remedy: `Use a provisioner credential with ${needs}: --provisioner-token-env <VAR>.`,
      };
    }
    const d = diagnoseTransport(error, "reading the token with the provisioner");
    return { id: "exactness", status: "fail", detail: d.detail, remedy: d.remedy };
  }
}

export async function checkExactness(ctx: ExactnessContext): Promise<{ readonly checks: Check[]; readonly readBack?: ReadBack }> {
  const readBack = await readBackToken(ctx);
  if (!("token" in readBack)) return { checks: [readBack] };
  return { checks: compareTokenWithPlan(readBack.token, readBack.groups, { ...ctx, groupsFrom: readBack.groupsFrom }), readBack };
}

/** The four rules, each a pure comparison of the plan with the token as read back. */
export function compareTokenWithPlan(token: TokenDetails, groups: readonly LivePermissionGroup[], expect: ExactnessExpectation): Check[] {
  const planned = plannedGrants(expect.plan, expect.zoneIdsByName);
  const actual = tokenGrants(token, groups);
  return [
    checkGroups(planned, actual, expect),
    checkResources(planned, actual, expect),
    checkExpiry(token.expires_on, expect),
    checkIpFilter(token.condition, expect),
  ];
}
