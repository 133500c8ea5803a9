import { definePlatform } from "./types";
import { SCOPES, type PermissionGroupRef, type Scope } from "../domain/permission-group";

/** One row of a vendor's permission list as the vendor writes it, with the API group it means at that scope. */
export interface VendorPermission {
  /** The vendor's scope column: Account or Zone. */
  readonly vendorScope: "Account" | "Zone";
  /** The vendor's permission name (the dashboard's resource), e.g. "Analytics". */
  readonly vendorName: string;
  readonly access: "Read";
  /** Cloudflare's API name of that group at that scope (src/cloudflare/permission-group-catalog.json). */
  readonly apiGroup: PermissionGroupRef;
}

const account = (vendorName: string, apiName: string): VendorPermission => ({
  vendorScope: "Account",
  vendorName,
  access: "Read",
  apiGroup: { name: apiName, scope: SCOPES.account },
});
const zone = (vendorName: string, apiName: string): VendorPermission => ({
  vendorScope: "Zone",
  vendorName,
  access: "Read",
  apiGroup: { name: apiName, scope: SCOPES.zone },
});

/**
 * What Datadog's Cloudflare integration documents, quoted. Read 2026-12-07.
 *
 * https://docs.datadoghq.com/integrations/cloudflare/ (the page is generated from the integration's
 * README in DataDog/integrations-internal-core, which is not public; read through the docs site's
 * translations and DataDog/documentation content/ja/integrations/cloudflare.md, whose header says
 * "SOURCED FROM https://github.com/DataDog/integrations-internal-core"):
 *   Setup: "When using a Cloudflare API token, make sure it has the Zone > Zone > Read and Zone >
 *   Analytics > Read permissions."                                               -> profile `minimal`
 *   Permissions: "Ensure these permissions are enabled on your Cloudflare API token":
 *     | Scope   | Permission        | Status |
 *     | Account | Account Analytics | Read   |
 *     | Account | Account Settings  | Read   |
 *     | Account | Workers Scripts   | Read   |
 *     | Zone    | Zone              | Read   |
 *     | Zone    | Analytics         | Read   |
 *     | Zone    | Workers Routes    | Read   |
 *     | Zone    | Load Balancers    | Read   |                                     -> profile `full`
 *   Configuration: "Go to the Configure tab inside the Datadog Cloudflare integration tile. Enter the
 *   email address and API keys or tokens of the accounts you want to monitor [...] Add a name for the
 *   account. This name is arbitrary, and is used in the account tag on your metrics."
 *
 * Not shipped: the Spanish translation (integration_version 1.2.2, DataDog/documentation
 * content/es/integrations/cloudflare.md) has an eighth row, Account "Cola de workers" (Workers Queues,
 * the API's "Queues Read"), which no English or Japanese text shows; it is left out until the English
 * page lists it.
 *
 * TTL and IP guidance: the page gives none. Datadog publishes its IP prefixes per site
 * (https://ip-ranges.<site>/) without saying which section its integration crawlers call from, so no
 * IP filter is suggested; the stack's TTL applies, and `registration: {kind: datadog}` keeps Datadog
 * current through its API on every rotation.
 */
export const DATADOG_SOURCE = {
  url: "https://docs.datadoghq.com/integrations/cloudflare/",
  readOn: "2026-12-07",
  minimum: [zone("Zone", "Zone Read"), zone("Analytics", "Analytics Read")],
  table: [
    account("Account Analytics", "Account Analytics Read"),
    account("Account Settings", "Account Settings Read"),
    account("Workers Scripts", "Workers Scripts Read"),
    zone("Zone", "Zone Read"),
    zone("Analytics", "Analytics Read"),
    zone("Workers Routes", "Workers Routes Read"),
    zone("Load Balancers", "Load Balancers Read"),
  ],
} as const satisfies { url: string; readOn: string; minimum: readonly VendorPermission[]; table: readonly VendorPermission[] };

const groups = (rows: readonly VendorPermission[]): { name: string; scope: Scope }[] => rows.map((row) => ({ ...row.apiGroup }));

/**
 * Datadog's Cloudflare integration pulls zone analytics (web, DNS, load balancers, Workers) with a
 * user-owned token entered in its integration tile, or through its API (`registration: {kind: datadog}`).
 */
export const datadog = definePlatform({
  key: "datadog",
  displayName: "Datadog",
  owner: "user",
  defaultProfile: "minimal",
  profiles: {
    minimal: {
      description: "The setup section's minimum: Zone Read and (zone) Analytics Read; web and DNS metrics only.",
      groups: groups(DATADOG_SOURCE.minimum),
    },
    full: {
      description:
        "The integration's whole permission table: account Account Analytics, Account Settings, Workers Scripts; zone Zone, Analytics, Workers Routes, Load Balancers (all Read); adds load-balancer and Workers metrics.",
      groups: groups(DATADOG_SOURCE.table),
    },
  },
  handoff: {
    steps: [
      "In Datadog, open Integrations > Cloudflare and go to the Configure tab.",
      "Add an account: enter the account name below (it becomes the account tag on the metrics) and paste the API token; leave the email empty (it is needed only for a Global API key, not a token).",
      "Save, then check that Cloudflare metrics (cloudflare.requests.all) arrive.",
    ],
    fields: [
      { label: "Account name", source: "connectorName", hint: "keep it across rotations: edit this account rather than adding another" },
      { label: "API token", source: "token" },
      { label: "Token expires", source: "expiresOn", hint: "rotate before this date (cfct rotate)" },
    ],
  },
  source: { url: DATADOG_SOURCE.url },
});
