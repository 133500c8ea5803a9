import { definePlatform } from "./types";
import { readAllResources } from "./templates";
import { SCOPES } from "../domain/permission-group";

/**
 * ASCERA's Cloudflare Zero Trust connector reads Zero Trust *user data* with an account-owned
 * token. Its guide asks for the "Read all resources" template (the `read-all` profile); the default
 * grants only what a user-data connector needs, per Cloudflare's OpenAPI `x-api-token-group`:
 *   GET /accounts/{id}/access/users            <- "Access: Audit Logs Read" (the only group that grants it)
 *   GET /accounts/{id}/members                 <- "Account Settings Read"
 *   GET /accounts/{id}/access/{groups,identity_providers,organizations}
 *                                              <- "Access: Organizations, Identity Providers, and Groups Read"
 */
export const ascera = definePlatform({
  key: "ascera",
  displayName: "ASCERA",
  owner: "account",
  defaultProfile: "least-privilege",
  profiles: {
    "least-privilege": {
      description: "Zero Trust user data only: Access users, account members, Access groups and identity providers.",
      groups: [
        { name: "Access: Audit Logs Read", scope: SCOPES.account },
        { name: "Account Settings Read", scope: SCOPES.account },
        { name: "Access: Organizations, Identity Providers, and Groups Read", scope: SCOPES.account },
      ],
    },
    "read-all": readAllResources(
      "The guide's \"Read all resources\" template: every read-only group of account and zone scope in Cloudflare's permission-group list (the catalog's readOnlyRule), never a Write group.",
    ),
  },
  handoff: {
    steps: [
      "In ASCERA, unfold ConMon: Maintain > Connectors and click Create; choose Cloudflare Zero Trust.",
      "Enter Name, Base Endpoint URL and API Token below, then click Create.",
      'Unfold Lists > Lookup Lists, open "Users - <connector name>", click Configure.',
      "Enter the Account ID below in the Accounts field of Input Configuration; Save, then Cancel.",
      "Click Synchronize and confirm the sync completes.",
    ],
    fields: [
      { label: "Name", source: "connectorName" },
      { label: "Base Endpoint URL", source: "apiBaseUrl", hint: "exactly this; the Account ID does not go here" },
      { label: "API Token", source: "token" },
      { label: "Accounts (lookup list Input Configuration)", source: "accountId" },
      { label: "Token expires", source: "expiresOn", hint: "rotate before this date (cfct rotate)" },
    ],
  },
  source: {
    seed: "000_4c2b48e348df28e1.txt",
    url: "https://docs.ascera.com/docs/connector-configuration/cloudflare-zero-trust/",
  },
});
