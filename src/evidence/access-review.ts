import { z } from "zod";
import { tokenOwnerSchema } from "../domain/token-output";

// The access review's data: what `cfct audit` prints as JSON and keeps in its evidence record.

export const SEVERITIES = ["low", "medium", "high"] as const;
export const severitySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof severitySchema>;

/**
 * `managed`: a generation this stack declares (its ID is in the stack's outputs). `orphaned`: named
 * exactly as this stack names its tokens, declared by no generation. `provisioner`: the credential
 * running the review. `unmanaged`: anything else the provisioner can see.
 */
export const tokenClassSchema = z.enum(["managed", "orphaned", "unmanaged", "provisioner"]);
export type TokenClass = z.infer<typeof tokenClassSchema>;

export const findingSchema = z.object({
  id: z.enum(["write-access", "all-accounts", "all-zones", "no-expiry", "unused", "disabled", "no-ip-filter", "expired", "drift"]),
  severity: severitySchema,
  detail: z.string(),
});
export type Finding = z.infer<typeof findingSchema>;

export const reviewedTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner: tokenOwnerSchema,
  class: tokenClassSchema,
  status: z.string(),
  lastUsedOn: z.string().nullable(),
  expiresOn: z.string().nullable(),
  /** Permission groups as `name [scope]`, so a reviewer sees what the token can do. */
  groups: z.array(z.string()),
  findings: z.array(findingSchema),
});
export type ReviewedToken = z.infer<typeof reviewedTokenSchema>;

export const accessReviewSchema = z.object({
  stack: z.string(),
  generatedAt: z.string(),
  tokens: z.array(reviewedTokenSchema),
  /** Owners whose tokens the provisioner may not list: the review is incomplete there, and says so. */
  notReviewed: z.array(z.object({ owner: tokenOwnerSchema, detail: z.string() })).default([]),
  summary: z.object({
    tokens: z.number().int(),
    byClass: z.record(tokenClassSchema, z.number().int()),
    findings: z.record(severitySchema, z.number().int()),
    highest: severitySchema.nullable(),
  }),
});
export type AccessReview = z.infer<typeof accessReviewSchema>;

/** "4 token(s): 2 managed, …. Findings: 0 high, 1 medium, 2 low." */
export function reviewSummaryText(review: AccessReview): string {
  const { summary } = review;
  return `${summary.tokens} token(s): ${Object.entries(summary.byClass)
    .map(([c, count]) => `${count} ${c}`)
    .join(", ")}. Findings: ${summary.findings.high} high, ${summary.findings.medium} medium, ${summary.findings.low} low.`;
}
