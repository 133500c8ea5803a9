import { TOKEN_RESOURCE_TYPES } from "../domain/resource-types";
import { DAY_MS } from "../domain/time";
import { type TokenPlan } from "../domain/plan";
import type { ResolvedToken } from "./resolve";

/**
 * The token in readable terms, as a ComplianceToken's own inputs: what the policy pack and previews
 * check, and what `cfct diff` hands the pack for a token it has not deployed yet.
 */
export function describeToken({ plan: tokenPlan, policies }: ResolvedToken) {
  return {
    platform: tokenPlan.platform,
    profile: tokenPlan.profile,
    owner: tokenPlan.owner,
    policies: policies.map((policy) => ({
      effect: policy.effect,
      permissionGroups: policy.permissionGroups.map(({ name, scope }) => ({ name, scope })),
      resources: policy.resources,
    })),
    // The TTL, not the expiry date: an unpinned first generation's date moves with the clock, and
    // component inputs would show that as a diff in every preview.
    ttlDays: Math.round((Date.parse(tokenPlan.expiresOn) - Date.parse(tokenPlan.issuedAt)) / DAY_MS),
    allowedIps: [...tokenPlan.allowedIps],
    deniedIps: [...tokenPlan.deniedIps],
  };
}

function requestCondition(tokenPlan: TokenPlan) {
  if (tokenPlan.allowedIps.length === 0 && tokenPlan.deniedIps.length === 0) return undefined;
  return {
    requestIp: {
      ...(tokenPlan.allowedIps.length > 0 ? { ins: [...tokenPlan.allowedIps] } : {}),
      ...(tokenPlan.deniedIps.length > 0 ? { notIns: [...tokenPlan.deniedIps] } : {}),
    },
  };
}

/** The inputs of the provider's `ApiToken` or `AccountToken`, as a ComplianceToken declares them. */
export interface TokenResourceInputs {
  readonly name: string;
  readonly policies: { effect: "allow" | "deny"; permissionGroups: { id: string }[]; resources: string }[];
  readonly expiresOn: string;
  readonly condition: ReturnType<typeof requestCondition>;
  /** AccountToken only. */
  readonly accountId?: string;
}

/**
 * The provider resource a ComplianceToken declares for a resolved token: its type and its inputs,
 * exactly as the component passes them (and `pulumi preview` hands them to the policy pack).
 * `cfct diff` judges the same declaration offline.
 */
export function tokenResource(token: ResolvedToken): { type: string; inputs: TokenResourceInputs } {
  const owner = token.plan.owner;
  return {
    type: TOKEN_RESOURCE_TYPES[owner.kind],
    inputs: {
      name: token.plan.name,
      policies: token.policies.map((policy) => ({
        effect: policy.effect,
        permissionGroups: policy.permissionGroups.map((group) => ({ id: group.id })),
        resources: policy.resourcesJson,
      })),
      expiresOn: token.plan.expiresOn,
      condition: requestCondition(token.plan),
      ...(owner.kind === "account" ? { accountId: owner.accountId } : {}),
    },
  };
}
