import { PLATFORMS, type PlatformCatalog } from "../platforms";
import { VerifyMemo } from "./memo";
import { VerifyInputError, verifyToken } from "./verify-token";
import type { TokenValueSource } from "./token-source";
import type { ClientsFor, VerifyPlannedToken, VerifyReport } from "./types";
import { type TokenPlan } from "../domain/plan";

export interface PlanVerification {
  /** A one-line description of the token, for human output. */
  readonly title: string;
  readonly report: VerifyReport;
}

/**
 * Verifies every planned token whose value the source has. Two generations of a key given the same
 * value (one variable for the key) are verified once, against the older plan; give each generation
 * its own value (e.g. CFCT_TOKEN_<KEY>_G<n>) to check each against its own.
 */
export async function verifyPlans(
  plans: readonly TokenPlan[],
  source: TokenValueSource,
  options: Pick<VerifyPlannedToken, "extraReadGroups" | "expiryWarnDays" | "probeAllZones"> & {
    readonly stack: string;
    readonly clientsFor: ClientsFor;
    readonly recorded?: (plan: TokenPlan) => boolean;
    /** A registered successor waiting for its platform: verified by its policies only, never sent. */
    readonly awaitingPickup?: (plan: TokenPlan) => boolean;
    readonly secrets?: string[];
    /** Where the plans' platforms are defined: the built-in catalog and the stack's own (default: built-in only). */
    readonly platforms?: PlatformCatalog;
  },
): Promise<PlanVerification[]> {
  const values = await Promise.all(plans.map(async (plan) => ({ plan, value: await source.valueFor(plan) })));
  const missing = values.filter((v) => !v.value && !values.some((o) => o.plan.key === v.plan.key && o.value));
  if (missing.length > 0) {
    throw new VerifyInputError({
      summary: `no value for ${missing.length} token(s): ${[...new Set(missing.map((m) => `${m.plan.key} (${source.describe(m.plan)})`))].join(", ")}`,
      fix: `set ${missing.length === 1 ? "it" : "them"}; values are never printed`,
    });
  }
  const seen = new Set<string>();
  const results: PlanVerification[] = [];
  // One endpoint probe and one group list per owner for all of them.
  const memo = new VerifyMemo();
  for (const { plan, value } of values) {
    if (!value) continue;
    options.secrets?.push(value);
    const id = `${plan.key}\u0000${value}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const platform = (options.platforms ?? PLATFORMS)[plan.platform]!;
    const report = await verifyToken({
      by: "plan",
      platform,
      plan,
      token: value,
      clients: options.clientsFor({ value, owner: plan.owner }),
      stack: options.stack,
      plannedExpiryKnown: options.recorded?.(plan) ?? false,
      ...(options.awaitingPickup?.(plan)
        ? { withoutUse: "this generation waits for its platform to use it (cfct rotate is in progress)" }
        : {}),
      ...(options.extraReadGroups ? { extraReadGroups: options.extraReadGroups } : {}),
      ...(options.expiryWarnDays !== undefined ? { expiryWarnDays: options.expiryWarnDays } : {}),
      ...(options.probeAllZones ? { probeAllZones: true } : {}),
      memo,
    });
    const owner = plan.owner.kind === "account" ? `owned by account ${plan.owner.accountId}` : "user-owned";
    results.push({ title: `${plan.key} (${plan.platform}/${plan.profile}, ${owner}, generation ${plan.generation})`, report });
  }
  return results;
}
