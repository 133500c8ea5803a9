import { definePlatform, type DocumentedPermission } from "./types";
import { SCOPES, type Scope } from "../domain/permission-group";

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
 * Every name is the API's group "<name> Read" at its scope, so no row needs a mapping.
 *
 * Not shipped: the Spanish translation (integration_version 1.2.2, DataDog/documentation
 * content/es/integrations/cloudflare.md) has an eighth row, Account "Cola de workers" (Workers Queues,
 * the API's "Queues Read"), which no English or Japanese text shows; it is left out until the English
 * page lists it.
 */
const MINIMUM_ROWS: readonly DocumentedPermission[] = [
  { quoted: "Zone > Zone > Read", scope: SCOPES.zone, vendorName: "Zone" },
  { quoted: "Zone > Analytics > Read", scope: SCOPES.zone, vendorName: "Analytics" },
];

const tableRow = (scope: "Account" | "Zone", vendorName: string): DocumentedPermission => ({
  quoted: `${scope} | ${vendorName} | Read`,
  scope: scope === "Account" ? SCOPES.account : SCOPES.zone,
  vendorName,
});

const TABLE_ROWS: readonly DocumentedPermission[] = [
  tableRow("Account", "Account Analytics"),
  tableRow("Account", "Account Settings"),
  tableRow("Account", "Workers Scripts"),
  tableRow("Zone", "Zone"),
  tableRow("Zone", "Analytics"),
  tableRow("Zone", "Workers Routes"),
  tableRow("Zone", "Load Balancers"),
];

/** A row's API group: "<name> Read" at its scope (the source test checks each against the catalog). */
const groups = (rows: readonly DocumentedPermission[]): { name: string; scope: Scope }[] =>
  rows.map((row) => ({ name: `${row.vendorName} Read`, scope: row.scope }));

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
      groups: groups(MINIMUM_ROWS),
    },
    full: {
      description:
        "The integration's whole permission table: account Account Analytics, Account Settings, Workers Scripts; zone Zone, Analytics, Workers Routes, Load Balancers (all Read); adds load-balancer and Workers metrics.",
      groups: groups(TABLE_ROWS),
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
  source: {
    url: "https://docs.datadoghq.com/integrations/cloudflare/",
    read: "2026-12-07",
    permissions: [
      { profile: "minimal", rows: MINIMUM_ROWS },
      { profile: "full", rows: TABLE_ROWS },
    ],
    guidance: [
      "The page gives no TTL and no IP filter. Datadog publishes its IP prefixes per site (https://ip-ranges.<site>/) without saying which section its integration crawlers call from, so no IP filter is suggested; cfct's default TTL applies, and registration: {kind: datadog} sends each rotation's value through Datadog's API.",
      '"Add a name for the account. This name is arbitrary, and is used in the account tag on your metrics": keep the name across rotations (the datadog registrar adopts the account of that name).',
      'The page is generated from the integration\'s README in DataDog/integrations-internal-core, which is not public; it was read through the docs site and its translations (DataDog/documentation content/ja/integrations/cloudflare.md). The Spanish copy lists an eighth row, Account "Cola de workers" (Queues Read), which no English or Japanese text shows: left out.',
    ],
  },
});
