import { z } from "zod";
import { endpointUrl, secretEnvName } from "./fields";
import { ALLOW_REGISTRATION_HOST_FLAG, type RegistrationHostRule } from "./hosts";

export const DRATA_DEFAULT_BASE_URL = "https://public-api.drata.com";

/**
 * Drata's public API hosts: the US one its v1 reference and DataGrail's guide name, and the EU and
 * APAC `servers` of its v2 OpenAPI (developers.drata.com/openapi/reference/v2/overview/, read
 * 2026-12-07; reference/compliance-platforms.md).
 */
export const DRATA_HOST_RULE: RegistrationHostRule = {
  key: "registration.drataStatus.baseUrl",
  vendor: "Drata",
  documented: ["public-api.drata.com", "public-api.eu.drata.com", "public-api.apac.drata.com"],
  choices: "https://public-api.drata.com (the default), https://public-api.eu.drata.com or https://public-api.apac.drata.com",
};

export const drataStatusConfigSchema = z.strictObject({
  apiKeyEnv: secretEnvName("DRATA_API_KEY").describe(
    'NAME of the environment variable holding a Drata API key with the "Connections: List Connections" permission.',
  ),
  baseUrl: endpointUrl
    .optional()
    .describe(
      `Drata public API host (default ${DRATA_DEFAULT_BASE_URL}; ${DRATA_HOST_RULE.documented.join(", ")} are Drata's); cfct calls <baseUrl>/public/connections. A loopback URL for a local stand-in; any other host only with ${ALLOW_REGISTRATION_HOST_FLAG} <host> at run time.`,
    ),
  clientAlias: z
    .string()
    .min(1)
    .optional()
    .describe("The connection's alias in Drata, when the workspace has more than one Cloudflare connection."),
});

export type DrataStatusConfig = z.infer<typeof drataStatusConfigSchema>;
