import { TOKEN_EXPIRES_FIELD, definePlatform } from "./types";
import { SCOPES } from "../domain/permission-group";

/**
 * Trelica (1Password SaaS Manager), help.trelica.com article 7739222425885, read 2026-12-07. A
 * custom token under My Profile > API Tokens, "based on the table below":
 *   Users, roles and activity   Account | Account Settings | Read
 *   Licences                    Account | Billing | Read
 *   Provisioning and deprovisioning   Account | Account Settings | Edit   (not built in: it writes)
 *   Zero Trust / Access         Account | Access: Apps and policies | Read
 *                               Account | Access: Audit logs | Read
 *                               Account | Zero Trust | Read
 * The page writes "Apps and policies" and "Audit logs" in lower case; the API's names capitalize them.
 */
export const trelica = definePlatform({
  key: "trelica",
  displayName: "Trelica",
  owner: "user",
  defaultProfile: "read",
  profiles: {
    read: {
      description: "Every Read row of the page: users, roles and activity; licences; Zero Trust / Access. Not its provisioning row (Edit).",
      groups: [
        { name: "Account Settings Read", scope: SCOPES.account },
        { name: "Billing Read", scope: SCOPES.account },
        { name: "Access: Apps and Policies Read", scope: SCOPES.account },
        { name: "Access: Audit Logs Read", scope: SCOPES.account },
        { name: "Zero Trust Read", scope: SCOPES.account },
      ],
    },
  },
  handoff: {
    steps: [
      "Paste the token below into Trelica's Cloudflare integration and click Connect.",
      'If you do not use Cloudflare Zero Trust (Cloudflare Access), uncheck "Cloudflare Zero Trust Access", or the integration shows "Enabled with issues".',
    ],
    fields: [{ label: "Access token", source: "token" }, TOKEN_EXPIRES_FIELD],
  },
  source: {
    url: "https://help.trelica.com/hc/en-us/articles/7739222425885-Cloudflare",
    read: "2026-12-07",
    permissions: [
      {
        profile: "read",
        rows: [
          { quoted: "Users, roles and activity Account | Account Settings | Read", scope: SCOPES.account, vendorName: "Account Settings" },
          { quoted: "Licences Account | Billing | Read", scope: SCOPES.account, vendorName: "Billing" },
          { quoted: "Account | Access: Apps and policies | Read", scope: SCOPES.account, vendorName: "Access: Apps and policies" },
          { quoted: "Account | Access: Audit logs | Read", scope: SCOPES.account, vendorName: "Access: Audit logs" },
          { quoted: "Account | Zero Trust | Read", scope: SCOPES.account, vendorName: "Zero Trust" },
        ],
      },
    ],
    guidance: [
      '"Optionally add IP address restrictions for Trelica IP addresses": set token.allowedIps to Trelica\'s published ranges (the page does not list them).',
      "The page says nothing about a TTL; cfct's default TTL applies and cfct rotate renews it.",
    ],
  },
});
