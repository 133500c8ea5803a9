import { isLoopbackHost } from "../../cloudflare/http";

/**
 * Where a registrar may send a secret. A stack file is reviewed code, but a one-line change to a
 * host key would send secrets anywhere; so a registrar's host must be one its vendor documents or a
 * loopback address (a local stand-in or bridge), and any other host needs the run-time flag
 * ALLOW_REGISTRATION_HOST_FLAG, which no stack file can set. A rehearsal sends sandbox tokens to
 * loopback only, whatever is allowed.
 */
export interface RegistrationHostRule {
  /** The config key that names the host, as the user writes it (e.g. `registration.site`). */
  readonly key: string;
  /** Who documents the hosts (e.g. "Datadog"). */
  readonly vendor: string;
  /** Hostnames the vendor documents for its API. */
  readonly documented: readonly string[];
  /** How to name a documented choice in a message, e.g. "datadoghq.com, datadoghq.eu, …". */
  readonly choices: string;
}

export const ALLOW_REGISTRATION_HOST_FLAG = "--allow-registration-host";

export interface HostPermission {
  /** Hosts given with ALLOW_REGISTRATION_HOST_FLAG on this run. */
  readonly allowedHosts?: readonly string[];
  /** A rehearsal against the sandbox. */
  readonly rehearsal?: boolean;
}

/** Why a registrar must not send to `url`, or undefined when it may. Pure. */
export function registrationHostRefusal(url: string, rule: RegistrationHostRule, permission: HostPermission): string | undefined {
  const host = new URL(url).hostname.toLowerCase();
  if (isLoopbackHost(host)) return undefined;
  if (permission.rehearsal) {
    return (
      `${rule.key} sends to ${host}, but a rehearsal (--engine sandbox) hands sandbox tokens to local stand-ins only. ` +
      `Fix: point ${rule.key} at a loopback stand-in (http://127.0.0.1:<port>) for the rehearsal, or run without --engine sandbox`
    );
  }
  if (rule.documented.includes(host)) return undefined;
  if ((permission.allowedHosts ?? []).some((allowed) => allowed.toLowerCase() === host)) return undefined;
  return (
    `${rule.key} sends to ${host}, which is not one of ${rule.vendor}'s documented API hosts nor a loopback address, and a stack file alone may not send a secret to another host. ` +
    `Fix: use one of ${rule.choices}; or, if ${host} is yours (e.g. a proxy), allow it for this run with ${ALLOW_REGISTRATION_HOST_FLAG} ${host}`
  );
}
