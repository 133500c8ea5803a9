import { findKnownGroup, suggestKnownGroup } from "../../src/cloudflare/permission-groups";
import { COMPLIANCE_TOKEN_TYPE, KNOWN_SCOPES, isRecord, readToken, type ResourceValidationPolicy } from "./common";
import { describeGroup } from "../../src/domain/permission-group";

export interface ReadOnlyConfig {
  /**
   * Non-read groups a platform may have anyway, by platform key and the group's API name, e.g.
   * {"acme-siem": ["Logs Write"]}: for a stack-defined platform whose guide needs to write
   * (`allowWrite: true` in the stack file gets it through validation; this lets it through the pack).
   */
  readonly allowWrite?: Readonly<Record<string, readonly string[]>>;
}

/** The groups `config.allowWrite` lets through for a platform: only exact API names, never a pattern. */
function allowedWrites(config: unknown, platform: unknown): ReadonlySet<string> {
  const allowWrite = isRecord(config) ? config["allowWrite"] : undefined;
  const names = isRecord(allowWrite) && typeof platform === "string" ? allowWrite[platform] : undefined;
  return new Set(Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : []);
}

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
    "Remove the group from the platform's profile in src/platforms/<platform>.ts (or the stack file's cf-compliance-tokens:platforms); a compliance token never needs to change anything. " +
    'A platform that must write is let through by name only: {"read-only": {"allowWrite": {"<platform>": ["<group>"]}}} in the pack config.',
  configSchema: {
    properties: {
      allowWrite: {
        type: "object",
        additionalProperties: { type: "array", items: { type: "string" } },
        default: {},
        description: 'Non-read groups allowed per platform key, by API name, e.g. {"acme-siem": ["Logs Write"]}. Default: none.',
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== COMPLIANCE_TOKEN_TYPE) return args.notApplicable(`only checks ${COMPLIANCE_TOKEN_TYPE}`);
    const token = readToken("component", args.name, args.props);
    const allowed = allowedWrites(args.getConfig<ReadOnlyConfig>(), args.props["platform"]);
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
        } else if (known.access !== "read" && !allowed.has(group.name)) {
          reportViolation(
            `${token.label}: permission group ${describeGroup(group)} is not a Read group (${known.access} access); compliance tokens may only read. ` +
              `Fix: remove it from the platform profile (src/platforms/, or the stack file's platforms), or allow it by name in the pack config: {"read-only": {"allowWrite": {"${String(args.props["platform"])}": ["${group.name}"]}}}.`,
          );
        }
      }
    }
  },
};
