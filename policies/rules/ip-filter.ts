import { IP_FILTER_PROBLEM, ipFilterState, label, tokenKind, type ResourceValidationPolicy } from "./common";

/**
 * Rule 5 (advisory, every stack). A token without a client-IP filter works from anywhere for
 * whoever holds its value. Checked on the provider resources' condition.requestIp.ins, which is
 * what Cloudflare enforces (ComplianceToken fills it from allowedIps). ip-filter-required makes
 * the same check mandatory on the stacks it names.
 */
export const ipFilter: ResourceValidationPolicy = {
  name: "ip-filter",
  description: "Tokens should carry a client-IP filter (allowedIps, condition.requestIp.ins).",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps: "Set token.allowedIps to the compliance platform's published egress ranges.",
  validateResource: (args, reportViolation) => {
    const kind = tokenKind(args.type);
    if (kind !== "api-token" && kind !== "account-token")
      return args.notApplicable("only checks cloudflare.ApiToken and cloudflare.AccountToken");
    const state = ipFilterState(args.props);
    if (state !== "filtered") {
      reportViolation(
        `${label(kind, args.name)} ${IP_FILTER_PROBLEM[state]}: anyone holding its value can use it from anywhere. Fix: set token.allowedIps to the platform's egress ranges.`,
      );
    }
  },
};
