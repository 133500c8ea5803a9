import {
  PROVIDER_TOKEN_TYPES,
  daysUntil,
  parseExpiresOn,
  parseLogicalName,
  plural,
  stackOf,
  typeLabel,
  type PolicyResource,
  type StackValidationPolicy,
} from "./common";

/**
 * Rule 3, second half. No token in the stack has expired — unless a newer generation of the same
 * token is declared next to it, which is a rotation in progress (cfct rotate declares the successor
 * while the old generation still exists, and deletes the old one on a later run). A resource policy
 * cannot see the successor and would block the very deploy that repairs the stack, so this is a
 * stack policy. It reads only expiresOn, which is known at preview.
 */
export const notExpired: StackValidationPolicy = {
  name: "not-expired",
  description:
    "No Cloudflare token in the stack is past its expiresOn, unless a newer generation of it is declared (rotation in progress).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Run `npx cfct rotate --stack <stack>`: it declares a new generation, registers it, and removes the expired one.",
  validateStack: (args, reportViolation) => {
    const tokens = args.resources.filter((resource) => PROVIDER_TOKEN_TYPES.includes(resource.type));
    if (tokens.length === 0) return args.notApplicable("the stack has no Cloudflare tokens");
    const now = Date.now();
    const hasSuccessor = (token: PolicyResource) => {
      const self = parseLogicalName(token.name);
      return (
        self !== undefined &&
        tokens.some((other) => {
          const candidate = parseLogicalName(other.name);
          return candidate?.key === self.key && candidate.generation > self.generation;
        })
      );
    };
    for (const token of tokens) {
      const expires = parseExpiresOn(token.props["expiresOn"]);
      // Missing or malformed expiry is the expiry policy's report; only a real past date counts here.
      if (typeof expires !== "number" || expires > now || hasSuccessor(token)) continue;
      const ago = -daysUntil(expires, now);
      const stack = stackOf(token.urn) ?? "<stack>";
      reportViolation(
        `${typeLabel(token.type)} "${token.name}" has expired${ago > 0 ? ` (${plural(ago, "day")} ago)` : ""} and no newer generation is declared: ` +
          `the platform has lost access. Fix: npx cfct rotate --stack ${stack}.`,
        token.urn,
      );
    }
  },
};
