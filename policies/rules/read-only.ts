import { findKnownGroup, suggestKnownGroup } from "../../src/cloudflare/permission-groups";
import { COMPLIANCE_TOKEN_TYPE, KNOWN_SCOPES, readToken, type ResourceValidationPolicy } from "./common";
import { describeGroup } from "../../src/domain/permission-group";

/**
 * Rule 1. A compliance platform reads; every permission group a ComplianceToken grants must be a
 * Read group of the catalog (Cloudflare's list; its readOnlyRule says what counts as read). Checked on the component's inputs, the only place groups have names (the provider
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
        const known = findKnownGroup(group);
        if (!KNOWN_SCOPES.includes(group.scope)) {
          reportViolation(
            `${token.label}: permission group "${group.name}" has an unknown scope "${group.scope}" (expected one of ${KNOWN_SCOPES.join(", ")}).`,
          );
        } else if (!known) {
          reportViolation(
            `${token.label}: permission group ${describeGroup(group)} is not a Read group of Cloudflare's permission-group list, so it cannot be proven read-only. ` +
              (suggestKnownGroup(group) ??
                "Fix: use a Read group from src/cloudflare/permission-group-catalog.json in the platform profile (src/platforms/)."),
          );
        } else if (known.access !== "read") {
          reportViolation(
            `${token.label}: permission group ${describeGroup(group)} is not a Read group (${known.access} access); compliance tokens may only read. ` +
              "Fix: remove it from the platform profile (src/platforms/).",
          );
        }
      }
    }
  },
};
