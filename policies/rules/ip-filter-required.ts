import { PROD_STACKS } from "../../src/domain/prod-stacks";
import { IP_FILTER_PROBLEM, ipFilterState, label, matchesStack, stackOf, tokenKind, type ResourceValidationPolicy } from "./common";

export interface IpFilterRequiredConfig {
  /** Stacks (by name) on which a missing client-IP filter blocks the deployment. */
  readonly requireForStacks?: readonly string[];
}

export const IP_FILTER_REQUIRED_DEFAULTS = { requireForStacks: PROD_STACKS } as const;

/**
 * Rule 5, mandatory part. CrossGuard fixes a policy's enforcement level per policy, not per
 * resource or stack, so "advisory, but mandatory on prod" is two policies: ip-filter warns
 * everywhere and this one blocks on the stacks in requireForStacks (and is not applicable elsewhere).
 */
export const ipFilterRequired: ResourceValidationPolicy = {
  name: "ip-filter-required",
  description: "On the stacks in requireForStacks (default: prod), every token must carry a client-IP filter.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set token.allowedIps in the stack file, or remove the stack from requireForStacks in the pack config.",
  configSchema: {
    properties: {
      requireForStacks: {
        type: "array",
        items: { type: "string" },
        default: [...IP_FILTER_REQUIRED_DEFAULTS.requireForStacks],
        description: "Stack names on which a token without allowedIps blocks the preview and the update.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const kind = tokenKind(args.type);
    if (kind !== "api-token" && kind !== "account-token")
      return args.notApplicable("only checks cloudflare.ApiToken and cloudflare.AccountToken");
    const configured = args.getConfig<IpFilterRequiredConfig>().requireForStacks;
    const stacks = Array.isArray(configured) ? configured : IP_FILTER_REQUIRED_DEFAULTS.requireForStacks;
    const stack = stackOf(args.urn);
    if (!matchesStack(stack, stacks)) return args.notApplicable(`stack ${stack ?? "?"} is not in requireForStacks`);
    const state = ipFilterState(args.props);
    if (state !== "filtered") {
      reportViolation(
        `${label(kind, args.name)} ${IP_FILTER_PROBLEM[state]}; stack "${stack}" requires one (requireForStacks). ` +
          `Fix: set token.allowedIps in stacks/Pulumi.${stack}.yaml.`,
      );
    }
  },
};
