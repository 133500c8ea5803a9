import { definePlatform } from "./types";
import { SCOPES } from "../domain/permission-group";

/**
 * SureCloud's Cloudflare integration (CCM and evidence collection), read 2026-12-07. A custom token
 * under My Profile > API Tokens named "SureCloud CCM", with:
 *   Zone → Zone → Read; Zone → WAF → Read; Zone → DNS → Read; Zone → SSL and Certificates → Read;
 *   Account → Cloudflare Access: Apps and Policies → Read; Account → Account Settings → Read
 * Zone Resources "All Zones (or restrict to specific zones if preferred)". Two names are dashboard
 * wordings: "WAF" at zone scope is the API's "Zone WAF Read", "Cloudflare Access: Apps and Policies"
 * at account scope is "Access: Apps and Policies Read".
 * "Rotate it every 90 days in Cloudflare → My Profile → API Tokens and update it in SureCloud →
 * Integrations → Cloudflare → Edit Connection": the entry's default TTL is 90 days.
 */
export const surecloud = definePlatform({
  key: "surecloud",
  displayName: "SureCloud",
  owner: "user",
  defaultProfile: "guide",
  defaultTtlDays: 90,
  profiles: {
    guide: {
      description: "The page's six Read permissions: zones, WAF, DNS, SSL/TLS, Access apps and policies, account settings.",
      groups: [
        { name: "Zone Read", scope: SCOPES.zone },
        { name: "Zone WAF Read", scope: SCOPES.zone },
        { name: "DNS Read", scope: SCOPES.zone },
        { name: "SSL and Certificates Read", scope: SCOPES.zone },
        { name: "Access: Apps and Policies Read", scope: SCOPES.account },
        { name: "Account Settings Read", scope: SCOPES.account },
      ],
    },
  },
  handoff: {
    steps: [
      "Navigate to SureCloud > Integrations > Cloudflare > Connect (a rotation: Integrations > Cloudflare > Edit Connection).",
      "Paste the API token and enter the Cloudflare Account ID below.",
      "Click Save and then Test Connection.",
    ],
    fields: [
      { label: "API token", source: "token" },
      { label: "Cloudflare Account ID", source: "accountId" },
      { label: "Token expires", source: "expiresOn", hint: "SureCloud: rotate every 90 days (cfct rotate)" },
    ],
  },
  source: {
    url: "https://surecloud.gitbook.io/surecloud-docs/integrations/ccm-and-evidence-collection-integrations/cloudflare",
    read: "2026-12-07",
    permissions: [
      {
        profile: "guide",
        rows: [
          { quoted: "Zone → Zone → Read", scope: SCOPES.zone, vendorName: "Zone" },
          {
            quoted: "Zone → WAF → Read",
            scope: SCOPES.zone,
            vendorName: "WAF",
            apiName: "Zone WAF Read",
            why: 'the only WAF group of zone scope in the API list, described "Grants read access to Zone WAF"',
          },
          { quoted: "Zone → DNS → Read", scope: SCOPES.zone, vendorName: "DNS" },
          { quoted: "Zone → SSL and Certificates → Read", scope: SCOPES.zone, vendorName: "SSL and Certificates" },
          {
            quoted: "Account → Cloudflare Access: Apps and Policies → Read",
            scope: SCOPES.account,
            vendorName: "Cloudflare Access: Apps and Policies",
            apiName: "Access: Apps and Policies Read",
            why: 'the API\'s account-scope group described "Grants read access to Cloudflare Access applications and policies"',
          },
          { quoted: "Account → Account Settings → Read", scope: SCOPES.account, vendorName: "Account Settings" },
        ],
      },
    ],
    guidance: [
      '"Rotate it every 90 days": the default TTL of SureCloud connections is 90 days (the stack file\'s token.ttlDays still wins).',
      '"Store the API token securely. SureCloud encrypts it at rest, but treat it as a sensitive credential."',
      "The page says nothing about an IP filter.",
    ],
  },
});
