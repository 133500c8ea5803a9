import type { CloudflareIntegrationApi } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/CloudflareIntegrationApi";

/** The four operations of Datadog's official client that registration uses. */
export type CloudflareAccounts = Pick<
  CloudflareIntegrationApi,
  "listCloudflareAccounts" | "createCloudflareAccount" | "updateCloudflareAccount" | "deleteCloudflareAccount"
>;

export interface DatadogClientOptions {
  /** https://api.<site>, or a stand-in's origin. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly appKey: string;
  /** Every request goes through this; it must not follow redirects. */
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
}

/**
 * Datadog's official client (@datadog/datadog-api-client), loaded on first use: its v2 models take
 * seconds to load, and only a run that registers with Datadog needs them (`cfct plan` never does).
 * Only its Cloudflare integration module is loaded, not the package index (every API of Datadog).
 *
 * Configured so that nothing but what cfct passes reaches it: an explicit server (DD_SITE is
 * ignored), explicit keys (DD_API_KEY and DD_APP_KEY are not read), no retries of its own (cfct's
 * retry policy decides, with its injectable clock), no debug logging (its request log would print
 * the body, which holds the token), and its logger silenced (it logs network errors to the console).
 */
export function createCloudflareAccountsClient(options: DatadogClientOptions): CloudflareAccounts {
  const common =
    require("@datadog/datadog-api-client/dist/packages/datadog-api-client-common") as typeof import("@datadog/datadog-api-client/dist/packages/datadog-api-client-common");
  const { logger } = require("@datadog/datadog-api-client/dist/logger") as typeof import("@datadog/datadog-api-client/dist/logger");
  const api =
    require("@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/CloudflareIntegrationApi") as typeof import("@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/CloudflareIntegrationApi");
  logger.setLevel("silent");
  const configuration = common.createConfiguration({
    baseServer: new common.ServerConfiguration(options.baseUrl, {}),
    authMethods: { apiKeyAuth: options.apiKey, appKeyAuth: options.appKey },
    fetch: options.fetch,
    enableRetry: false,
    debug: false,
    isIaC: true,
  });
  return new api.CloudflareIntegrationApi(configuration);
}
