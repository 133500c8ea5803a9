import { isLoopbackHost } from "../../src/cloudflare/http";
import { label, tokenKind, type ResourceValidationArgs, type ResourceValidationPolicy } from "./common";

export interface RegistrationHostsConfig {
  /** Hosts a registration may send a token (and the registrar's secrets) to; loopback is always allowed. */
  readonly allowedHosts?: readonly string[];
}

/** Where each registrar's host comes from in the stack file, for the message. */
export const FIX =
  "Fix: add the host to allowedHosts in the pack config (after reviewing that it may hold the token), or point the registration back at an allowed host";

export const ALLOWED_HOSTS_SCHEMA = {
  type: "array",
  items: { type: "string" },
  default: [],
  description:
    "Hosts a connection's registration may send its token and secrets to (webhook url, Datadog site's API host, Drata's API host). Loopback is always allowed.",
} as const;

/** The ComplianceToken's registration hosts that are not allowed; not applicable to anything else. */
export function hostsOutsideAllowList(args: ResourceValidationArgs): { readonly outside: readonly string[]; readonly name: string } {
  if (tokenKind(args.type) !== "component")
    return args.notApplicable("only checks ComplianceToken, which carries its registration's hosts");
  const hosts = (args.props as { registrationHosts?: unknown }).registrationHosts;
  if (!Array.isArray(hosts))
    return args.notApplicable("the ComplianceToken names no registrationHosts (a library use that registers elsewhere)");
  const configured = args.getConfig<RegistrationHostsConfig>().allowedHosts;
  const allowed = new Set((Array.isArray(configured) ? configured : []).map((h) => String(h).toLowerCase()));
  const outside = hosts.map(String).filter((host) => !isLoopbackHost(host.replace(/:\d+$/, "")) && !allowed.has(host.toLowerCase()));
  return { outside, name: label("component", args.name) };
}

/**
 * Rule 7, advisory part: a registration that sends a token somewhere the team has not listed. The
 * stack file's host keys are reviewed code; this makes the reviewer's list explicit.
 */
export const registrationHosts: ResourceValidationPolicy = {
  name: "registration-hosts",
  description: "Every host a ComplianceToken's registration sends its token to is in allowedHosts (loopback always allowed).",
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps: FIX,
  configSchema: { properties: { allowedHosts: ALLOWED_HOSTS_SCHEMA } },
  validateResource: (args, reportViolation) => {
    const { outside, name } = hostsOutsideAllowList(args);
    if (outside.length > 0) reportViolation(`${name}'s registration sends the token to ${outside.join(", ")}, not in allowedHosts. ${FIX}`);
  },
};
