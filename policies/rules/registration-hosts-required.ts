import { PROD_STACKS } from "../../src/domain/prod-stacks";
import { matchesStack, stackOf, tokenKind, type ResourceValidationPolicy } from "./common";
import { ALLOWED_HOSTS_SCHEMA, FIX, hostsOutsideAllowList, type RegistrationHostsConfig } from "./registration-hosts";

export interface RegistrationHostsRequiredConfig extends RegistrationHostsConfig {
  /** Stacks on which a registration host outside allowedHosts blocks the deployment. */
  readonly requireForStacks?: readonly string[];
}

/** Rule 7, mandatory part, on the stacks in requireForStacks (default prod), as ip-filter-required is for ip-filter. */
export const registrationHostsRequired: ResourceValidationPolicy = {
  name: "registration-hosts-required",
  description: "On the stacks in requireForStacks (default: prod), a registration host outside allowedHosts blocks the deployment.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: FIX,
  configSchema: {
    properties: {
      allowedHosts: ALLOWED_HOSTS_SCHEMA,
      requireForStacks: {
        type: "array",
        items: { type: "string" },
        default: [...PROD_STACKS],
        description: "Stack names on which a registration host outside allowedHosts blocks the preview and the update.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const configured = args.getConfig<RegistrationHostsRequiredConfig>().requireForStacks;
    const stacks = Array.isArray(configured) ? configured : PROD_STACKS;
    const stack = stackOf(args.urn);
    if (tokenKind(args.type) === "component" && !matchesStack(stack, stacks))
      return args.notApplicable(`stack ${stack ?? "?"} is not in requireForStacks`);
    const { outside, name } = hostsOutsideAllowList(args);
    if (outside.length > 0)
      reportViolation(
        `${name}'s registration sends the token to ${outside.join(", ")}, not in allowedHosts; stack "${stack}" requires it (requireForStacks). ${FIX}`,
      );
  },
};
