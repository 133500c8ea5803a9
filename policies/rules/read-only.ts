import { describeGroup, findKnownGroup, isReadOnlyGroup } from "../../src/cloudflare/permission-groups";
import { COMPLIANCE_TOKEN_TYPE, KNOWN_SCOPES, readToken, type ResourceValidationPolicy } from "./common";

/**
 * Rule 1. A compliance platform reads; every permission group a ComplianceToken grants must be a
 * Read group. Checked on the component's inputs, the only place groups have names (the provider
 * resources carry IDs). Deny policies only subtract and are not checked.
 */
export const readOnly: ResourceValidationPolicy = {
  name: "read-only",
  description: "Every permission group of every ComplianceToken is a Read group (no Write, Edit, Revoke, Purge or other access).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Remove the group from the platform's profile in src/platforms/<platform>.ts; a compliance token never needs to change anything.",
  validateResource: (args, reportViolation) => {
    if (args.type !== COMPLIANCE_TOKEN_TYPE) return args.notApplicable(`only checks ${COMPLIANCE_TOKEN_TYPE}`);
    const token = readToken("component", args.name, args.props);
    for (const problem of token.problems) reportViolation(`${token.label} ${problem}: cannot prove it read-only.`);
    for (const policy of token.policies) {
      if (policy.effect === "deny") continue;
      if (policy.effect !== "allow") {
        reportViolation(`${token.label}: policies[${policy.index}] has an effect other than allow or deny: cannot prove it read-only.`);
        continue;
      }
      for (const group of policy.groups ?? []) {
        if (!KNOWN_SCOPES.includes(group.scope)) {
          reportViolation(`${token.label}: permission group "${group.name}" has an unknown scope "${group.scope}" (expected one of ${KNOWN_SCOPES.join(", ")}).`);
        } else if (!isReadOnlyGroup(group)) {
          const known = findKnownGroup(group);
          const access = known ? `${known.access} access` : "not a documented group, and its name is not a Read name";
          reportViolation(
            `${token.label}: permission group ${describeGroup(group)} is not a Read group (${access}); compliance tokens may only read. ` +
              "Fix: remove it from the platform profile (src/platforms/).",
          );
        }
      }
    }
  },
};
