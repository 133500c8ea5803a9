import { PLATFORMS } from "../../src/platforms";
import { COMPLIANCE_TOKEN_TYPE, label, plural, readToken, type ResourceValidationPolicy } from "./common";

export const READ_ALL_PROFILE = "read-all";

/**
 * Rule 6 (advisory). The read-all profile is the platform guide's "Read all resources" template:
 * still read-only, but every Read group of account and zone scope, which an auditor flags as
 * over-scoped. Opt-in on purpose; this keeps it visible in every preview.
 */
export const readAllProfile: ResourceValidationPolicy = {
  name: "read-all-profile",
  description: 'A ComplianceToken uses the "read-all" profile (every Read group); prefer the least-privilege profile.',
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps:
    "Remove `profile: read-all` from the connection so it uses the platform's least-privilege default; keep read-all only while the platform reports missing data.",
  validateResource: (args, reportViolation) => {
    if (args.type !== COMPLIANCE_TOKEN_TYPE) return args.notApplicable(`only checks ${COMPLIANCE_TOKEN_TYPE}`);
    if (args.props["profile"] !== READ_ALL_PROFILE) return;
    const groups = readToken("component", args.name, args.props).policies.reduce((n, p) => n + (p.groups?.length ?? 0), 0);
    reportViolation(
      `${label("component", args.name)} uses the read-all profile (${plural(groups, "Read group")}): read-only but not least privilege. ` +
        narrowerFix(args.props["platform"]),
    );
  },
};

/**
 * Where a narrower token comes from: the platform's least-privilege default; for a built-in whose
 * vendor recommends the template (its default is read-all), its page's own narrower list; for one
 * whose page has none, a platform of your own.
 */
function narrowerFix(key: unknown): string {
  const platform = typeof key === "string" ? PLATFORMS[key] : undefined;
  if (!platform || platform.defaultProfile !== READ_ALL_PROFILE) {
    return "Fix: drop `profile: read-all` from the connection to use the platform's least-privilege default (docs/platforms.md: \"Why ASCERA's default is not the guide's 'Read all resources'\").";
  }
  const narrower = Object.entries(platform.profiles).find(([, profile]) => !profile.template)?.[0];
  return narrower
    ? `Fix: set \`profile: ${narrower}\` on the connection, the narrower list ${platform.displayName}'s page gives (\`cfct platforms show ${platform.key} --profile ${narrower}\`).`
    : `Fix: ${platform.displayName}'s page names no narrower set; define a platform of your own in the stack file with the groups it needs (docs/platforms.md: "Platforms defined in the stack file").`;
}
