import { TOKEN_EXPIRES_FIELD, definePlatform } from "./types";
import { readAllResources } from "./templates";
import { SCOPES } from "../domain/permission-group";

/**
 * JumpCloud SaaS Management's Cloudflare connector, read 2026-12-07. Its page:
 *   "(Recommended) Create a User API Token using the Read all resource template to provide full access."
 *   "Or you can create a custom token. Ensure the token has permissions to read resources like
 *    accounts and users. For example:
 *      All accounts - Account Settings:Read
 *      All users - Memberships:Read, User Details:Read"
 * The connector reads user lists and login events, so the custom token is the default here and the
 * template is the opt-in `read-all` profile (least privilege first, as for ASCERA).
 */
export const jumpcloud = definePlatform({
  key: "jumpcloud",
  displayName: "JumpCloud SaaS Management",
  owner: "user",
  defaultProfile: "custom",
  profiles: {
    custom: {
      description: "The page's custom token: account members and roles, and the token's own user's memberships and details.",
      groups: [
        { name: "Account Settings Read", scope: SCOPES.account },
        { name: "Memberships Read", scope: SCOPES.user },
        { name: "User Details Read", scope: SCOPES.user },
      ],
    },
    "read-all": readAllResources(
      'The page\'s recommended "Read all resource" template: every read-only group of account and zone scope, never a Write group.',
    ),
  },
  handoff: {
    steps: [
      "Log in to the JumpCloud Admin Portal and go to SECURITY MANAGEMENT > SaaS Management.",
      "In SaaS Management settings, go to the Connector tab and select + Add Connector.",
      "Select Cloudflare and click Connect; enter a name and click Connect.",
      "Paste the token below into the API Key field and click Save Connector.",
    ],
    fields: [{ label: "Name", source: "connectorName" }, { label: "API Key", source: "token" }, TOKEN_EXPIRES_FIELD],
  },
  source: {
    url: "https://jumpcloud.com/support/saas-management-cloudflare-connector",
    read: "2026-12-07",
    permissions: [
      {
        profile: "custom",
        rows: [
          { quoted: "All accounts - Account Settings:Read", scope: SCOPES.account, vendorName: "Account Settings" },
          { quoted: "All users - Memberships:Read, User Details:Read", scope: SCOPES.user, vendorName: "Memberships" },
          { quoted: "All users - Memberships:Read, User Details:Read", scope: SCOPES.user, vendorName: "User Details" },
        ],
      },
    ],
    guidance: [
      '"If permissions are accidentally removed, or if the admin who configured left your organization, the connector will stop working and you will be prompted to Reconnect": create the token from a dedicated service account.',
      "The page says nothing about a TTL or an IP filter; cfct's default TTL applies, and each rotation needs the new key entered in the connector.",
    ],
  },
});
