import { CloudflareApiError } from "../cloudflare/client";

/**
 * Turns API failures into the ASCERA guide's troubleshooting rows. Cloudflare does not document its
 * error codes, so the HTTP status decides first; codes and messages only refine (IP filter).
 */

export function rotateCommand(stack: string | undefined): string {
  return `cfct rotate --stack ${stack ?? "<env>"}`;
}

export function deployCommand(stack: string | undefined): string {
  return `pulumi up --stack ${stack ?? "<env>"}`;
}

/** Cloudflare's IP-filter refusal: code 9109 "Cannot use the access token from location: <ip>". */
export function isIpFilterRefusal(error: CloudflareApiError): boolean {
  return error.mentions(/from location|client ip|ip address|request_ip|not allowed from/i);
}

export function ipFromRefusal(error: CloudflareApiError): string | undefined {
  return /location:?\s*([0-9a-f.:]+)/i.exec(error.message)?.[1];
}

export function isNotYetValidRefusal(error: CloudflareApiError): boolean {
  return error.mentions(/not[ _-]?before|not yet valid|not valid yet|not valid before/i);
}

export function isExpiredRefusal(error: CloudflareApiError): boolean {
  return error.mentions(/expired/i);
}

/** A token Cloudflare deactivated because its value was found exposed (leaked). */
export function isExposedRefusal(error: CloudflareApiError): boolean {
  return error.mentions(/exposed|compromised|leaked/i);
}

/** What to do about a token whose value is public: replace it now, and find the leak. */
export function exposedRemedy(stack: string | undefined, platformName: string): string {
  return `Treat the value as public. Issue a new token now with ${rotateCommand(stack)} (an exposed token is due at once) and register it with ${platformName}; then find where the value leaked (a repository, a log, a ticket) and remove it.`;
}

export function isRevokedRefusal(error: CloudflareApiError): boolean {
  return error.mentions(/revoked|disabled|deleted/i);
}

export interface Diagnosis {
  readonly detail: string;
  readonly remedy: string;
}

/** The generic diagnosis of a failure the check itself has no better words for. */
export function diagnoseTransport(error: unknown, what: string, callsHint?: string): Diagnosis {
  if (!(error instanceof CloudflareApiError)) {
    return {
      detail: `${what} failed: ${error instanceof Error ? error.message : String(error)}`,
      remedy: "Retry; if it persists, report it with this output.",
    };
  }
  switch (error.kind) {
    case "rate_limited":
      return {
        detail:
          error.status === 429
            ? `${what} was rate-limited by Cloudflare (HTTP 429${error.retryAfterSeconds !== undefined ? `, retry-after ${Math.ceil(error.retryAfterSeconds)}s` : ""}) after bounded retries`
            : `${what} was ${error.message}`,
        remedy: `Wait ${error.retryAfterSeconds !== undefined ? `${Math.ceil(error.retryAfterSeconds)} seconds` : "a few minutes"} and run cfct verify again; other tools using the same user share its request budget.${callsHint ? ` ${callsHint}` : ""}`,
      };
    case "server":
      return {
        detail: `${what} failed with a Cloudflare server error (${error.message}) after bounded retries`,
        remedy: "Retry later; check https://www.cloudflarestatus.com if it persists.",
      };
    case "timeout":
    case "unreachable":
      return { detail: `${what} failed: ${error.message}`, remedy: "Check the network path to the API (proxy, firewall, DNS) and retry." };
    default:
      return { detail: `${what} failed: ${error.message}`, remedy: "Retry; if it persists, report it with this output." };
  }
}
