import { z } from "zod";
import { endpointUrl, envVarName } from "./fields";

export const DRATA_DEFAULT_BASE_URL = "https://public-api.drata.com";

export const drataStatusConfigSchema = z.strictObject({
  apiKeyEnv: envVarName("DRATA_API_KEY").describe(
    'NAME of the environment variable holding a Drata API key with the "Connections: List Connections" permission.',
  ),
  baseUrl: endpointUrl
    .optional()
    .describe(`Drata public API host (default ${DRATA_DEFAULT_BASE_URL}); cfct calls <baseUrl>/public/connections.`),
  clientAlias: z
    .string()
    .min(1)
    .optional()
    .describe("The connection's alias in Drata, when the workspace has more than one Cloudflare connection."),
});

export type DrataStatusConfig = z.infer<typeof drataStatusConfigSchema>;
