import {
  COMPLIANCE_TOKEN_TYPE,
  PROVIDER_TOKEN_TYPES,
  parentTypeFromUrn,
  typeLabel,
  typeOfUrn,
  type PolicyResource,
  type StackValidationPolicy,
} from "./common";

/** The type of a resource's parent: from the parent resource when the engine linked it, else from URNs. */
export function parentTypeOf(resource: PolicyResource): string | undefined {
  if (resource.parent) return resource.parent.type;
  if (resource.opts.parent) return typeOfUrn(resource.opts.parent);
  return parentTypeFromUrn(resource.urn);
}

/**
 * Rule 4. Every Cloudflare token in the stack comes from a ComplianceToken, so it was planned from
 * stack config and every other rule (read-only group names, profile) could see it. A stack policy,
 * because only the whole stack shows parents; it reads no props, so unknowns at preview never
 * degrade it.
 */
export const noHandRolledTokens: StackValidationPolicy = {
  name: "no-hand-rolled-tokens",
  description: "Every cloudflare.ApiToken and cloudflare.AccountToken in the stack is a child of a ComplianceToken.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Declare the platform connection in the stack config (cf-compliance-tokens:connections) instead of creating the token by hand; import an existing hand-made token only to delete it.",
  validateStack: (args, reportViolation) => {
    const tokens = args.resources.filter((resource) => PROVIDER_TOKEN_TYPES.includes(resource.type));
    if (tokens.length === 0) return args.notApplicable("the stack has no Cloudflare tokens");
    for (const token of tokens) {
      const parentType = parentTypeOf(token);
      if (parentType === COMPLIANCE_TOKEN_TYPE) continue;
      reportViolation(
        `${typeLabel(token.type)} "${token.name}" is not created by a ComplianceToken (its parent is ${parentType ?? "the stack"}), ` +
          "so no rule could check its permission groups. Fix: declare the connection in cf-compliance-tokens:connections and let the program create it.",
        token.urn,
      );
    }
  },
};
