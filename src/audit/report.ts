import { SEVERITIES, tokenClassSchema, type AccessReview, type ReviewedToken, type Severity } from "../evidence/access-review";

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function summarize(tokens: readonly ReviewedToken[]): AccessReview["summary"] {
  const all = tokens.flatMap((t) => t.findings);
  const highest = all.reduce<Severity | null>(
    (top, f) => (top === null || severityRank(f.severity) > severityRank(top) ? f.severity : top),
    null,
  );
  return {
    tokens: tokens.length,
    byClass: Object.fromEntries(
      tokenClassSchema.options.map((c) => [c, tokens.filter((t) => t.class === c).length]),
    ) as AccessReview["summary"]["byClass"],
    findings: Object.fromEntries(
      SEVERITIES.map((s) => [s, all.filter((f) => f.severity === s).length]),
    ) as AccessReview["summary"]["findings"],
    highest,
  };
}

/** Does the review reach `--fail-on`? `none` never fails. */
export function reachesThreshold(review: AccessReview, failOn: Severity | "none"): boolean {
  return failOn !== "none" && review.summary.highest !== null && severityRank(review.summary.highest) >= severityRank(failOn);
}
