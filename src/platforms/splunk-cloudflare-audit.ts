import { definePlatform } from "./types";
import { SCOPES } from "../domain/permission-group";

/**
 * The community "Cloudflare Audit Add-on (ta_cloudflare_audit) for Splunk" by Zach Christensen
 * (github.com/ZachChristensen28/ta_cloudflare_audit), read 2026-12-07: not Splunk's, not Cloudflare's
 * ("This Technical Add-on (TA) is not affiliated with Cloudflare, Inc."). Its README:
 *   "Create a custom token with the following permissions.
 *    Account | Access: Audit Logs | Read
 *    Account | Account Settings | Read
 *    *Include All accounts for Account Resources.
 *    - Set Client IP address Filtering and TTL as needed."
 * User-owned: the add-on reads https://api.cloudflare.com/client/v4/user/audit_logs
 * (bin/cloudflare_constants.py), a route only a user token reaches.
 */
export const splunkCloudflareAudit = definePlatform({
  key: "splunk-cloudflare-audit",
  displayName: "Cloudflare Audit Add-on for Splunk (community)",
  owner: "user",
  defaultProfile: "guide",
  profiles: {
    guide: {
      description: "The README's two Read permissions: Access audit logs and account settings.",
      groups: [
        { name: "Access: Audit Logs Read", scope: SCOPES.account },
        { name: "Account Settings Read", scope: SCOPES.account },
      ],
    },
  },
  handoff: {
    steps: [
      "In Splunk, open the Cloudflare Audit add-on: Configuration > Account > Add.",
      "Enter an Account name (a letter, then letters, digits or underscores) and the API token below; save.",
      "Under Inputs, Create New Input: a Name, an Interval (300 s or more, or a cron schedule), an Index, and the account above as Cloudflare Credentials.",
    ],
    fields: [
      {
        label: "Account name",
        source: "connectorName",
        hint: "the add-on accepts only a letter then letters, digits or underscores: replace spaces and '-' with '_'",
      },
      { label: "API Token (not global token)", source: "token" },
      { label: "Token expires", source: "expiresOn", hint: "rotate before this date (cfct rotate), then edit the add-on's account" },
    ],
  },
  source: {
    url: "https://github.com/ZachChristensen28/ta_cloudflare_audit",
    read: "2026-12-07",
    community: true,
    permissions: [
      {
        profile: "guide",
        rows: [
          { quoted: "Account | Access: Audit Logs | Read", scope: SCOPES.account, vendorName: "Access: Audit Logs" },
          { quoted: "Account | Account Settings | Read", scope: SCOPES.account, vendorName: "Account Settings" },
        ],
      },
    ],
    guidance: [
      'A community add-on: "not affiliated with Cloudflare, Inc. and is not sponsored or sanctioned by the Cloudflare team".',
      '"Include All accounts for Account Resources": cfct scopes the token to the connection\'s accounts instead; list every account whose audit log Splunk should read.',
      "\"Set Client IP address Filtering and TTL as needed\": token.allowedIps for the Splunk host's addresses; cfct's default TTL applies.",
    ],
  },
});
