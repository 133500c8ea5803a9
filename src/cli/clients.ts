import { createCloudflareClient, type CloudflareClientFactory } from "../cloudflare/client";
import type { ParityTarget } from "../parity/measure";

/** Clients at one API base, for credentials a run learns as it goes (the demo's sandbox, and the tokens it hands out). */
export function clientsAt(apiBase: string): CloudflareClientFactory {
  return (apiToken) => createCloudflareClient({ apiToken, baseUrl: apiBase });
}

/**
 * `cfct sandbox-parity`'s clients: the provisioner's, and one for each test token it creates. Two
 * retries each (the recording is short: a flaky answer should not end it), and every error scrubbed
 * of the provisioner credential, whichever client it came from.
 */
export function parityTarget(access: {
  readonly apiBase: string;
  readonly provisionerToken: string;
  readonly accountId: string;
  readonly zoneId: string;
}): ParityTarget {
  const clientFor: CloudflareClientFactory = (apiToken) =>
    createCloudflareClient({ apiToken, baseUrl: access.apiBase, maxRetries: 2, secrets: [access.provisionerToken] });
  return { provisioner: clientFor(access.provisionerToken), clientFor, accountId: access.accountId, zoneId: access.zoneId };
}
