import { z } from "zod";
import { endpointUrl, required, secretEnvName } from "./fields";
import type { RegistrationHostRule } from "./hosts";

/**
 * Datadog's sites, as its API reference lists them for the Cloudflare integration endpoints
 * (https://docs.datadoghq.com/api/latest/cloudflare-integration/, read 2026-12-07): the site name
 * is what the official client calls `site`; the API host is `api.<site>`.
 */
export const DATADOG_SITES = [
  "datadoghq.com",
  "us3.datadoghq.com",
  "us5.datadoghq.com",
  "datadoghq.eu",
  "ap1.datadoghq.com",
  "ap2.datadoghq.com",
  "uk1.datadoghq.com",
  "ddog-gov.com",
  "us2.ddog-gov.com",
] as const;

/** The `resources` allowlist values Datadog documents ("web, dns, lb (load balancer), worker"). */
export const DATADOG_RESOURCES = ["web", "dns", "lb", "worker"] as const;

export const DATADOG_HOST_RULE: RegistrationHostRule = {
  key: "registration.site",
  vendor: "Datadog",
  documented: DATADOG_SITES.map((site) => `api.${site}`),
  choices: `the sites ${DATADOG_SITES.join(", ")}`,
};

const SITE_LIST = DATADOG_SITES.join(", ");

/** `app.datadoghq.com`, `api.datadoghq.eu`, `https://app.datadoghq.com`: the site a user meant. */
function siteMeant(value: string): string | undefined {
  const host = value.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  const bare = host.replace(/^(app|api)\./, "");
  return (DATADOG_SITES as readonly string[]).includes(bare) && bare !== value ? bare : undefined;
}

/** A documented site name, or the base URL of a stand-in or proxy (the host rule decides at run time whether it may be used). */
const site = z.string({ error: required(`name your Datadog site: one of ${SITE_LIST}`) }).superRefine((value, ctx) => {
  if ((DATADOG_SITES as readonly string[]).includes(value)) return;
  const meant = siteMeant(value);
  if (meant && !/^https?:\/\//.test(value)) {
    ctx.addIssue({ code: "custom", message: `is a Datadog host, not a site name. Fix: write site: ${meant}` });
    return;
  }
  if (!/^https?:\/\//.test(value)) {
    ctx.addIssue({
      code: "custom",
      message: `is not a Datadog site. Fix: use one of ${SITE_LIST}, or the base URL of a local stand-in (http://127.0.0.1:<port>)`,
    });
    return;
  }
  const url = endpointUrl.safeParse(value);
  if (!url.success) {
    for (const issue of url.error.issues) ctx.addIssue({ code: "custom", message: issue.message });
    return;
  }
  if (!/^\/?$/.test(new URL(value).pathname) || new URL(value).search) {
    ctx.addIssue({
      code: "custom",
      message:
        "has a path or query; cfct calls <site>/api/v2/integrations/cloudflare/accounts itself. Fix: write the base URL only, e.g. http://127.0.0.1:8126",
    });
  }
});

export const datadogConfigSchema = z.strictObject({
  kind: z.literal("datadog"),
  site: site.describe(
    `Datadog site (${SITE_LIST}); cfct calls https://api.<site>/api/v2/integrations/cloudflare/accounts. A loopback URL (http://127.0.0.1:<port>) for a local stand-in; any other URL only with --allow-registration-host <host> at run time.`,
  ),
  apiKeyEnv: secretEnvName("DD_API_KEY").describe("NAME of the environment variable holding a Datadog API key of this site."),
  appKeyEnv: secretEnvName("DD_APP_KEY").describe(
    "NAME of the environment variable holding a Datadog application key with the manage_integrations permission (integrations_read to list).",
  ),
  name: z
    .string()
    .min(1, { error: "is empty. Fix: remove name to use the connection's name, or write the account name" })
    .max(200, { error: "is longer than 200 characters. Fix: use a shorter account name" })
    .refine((name) => ![...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
      error: "contains control characters. Fix: use printable characters only",
    })
    .optional()
    .describe("The Cloudflare account's name in Datadog (its `account` metric tag). Default: the connection's name."),
  resources: z
    .array(
      z.enum(DATADOG_RESOURCES, {
        error: `is not a resource Datadog documents. Fix: use ${DATADOG_RESOURCES.join(", ")} (lb = load balancer)`,
      }),
    )
    .min(1, { error: "is empty. Fix: remove resources to collect every kind of metric, or list some of web, dns, lb, worker" })
    .optional()
    .describe("Allowlist of metric resources Datadog pulls (web, dns, lb, worker); all when absent."),
  deleteOnDestroy: z
    .boolean()
    .optional()
    .describe("cfct destroy also deletes the Cloudflare account from Datadog (default false: it is kept, holding a revoked token)."),
});

export type DatadogConfig = z.infer<typeof datadogConfigSchema>;

/** The API base the official client is given: https://api.<site>, or the configured URL's origin. */
export function datadogApiBase(config: Pick<DatadogConfig, "site">): string {
  return /^https?:\/\//.test(config.site) ? new URL(config.site).origin : `https://api.${config.site}`;
}
