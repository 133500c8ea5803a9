import { definePlatform } from "./types";
import { SCOPES } from "../domain/permission-group";

/**
 * Oneleet's Cloudflare integration: Oneleet/oneleet-docs, pages/integrations/cloudflare.mdx, read
 * 2026-12-07 (repository snapshot 9e09f84, 2026-04-13; the page last changed in 1917b78, 2025-12-18).
 * A token under dash.cloudflare.com/profile/api-tokens (user-owned) with "the following read-only permissions:
 *   Account permissions: Workers R2 Storage: Read; Workers Scripts: Read; Account Settings: Read
 *   Zone permissions: DNS Settings: Read; Zone Settings: Read; DNS: Read"
 * and Account Resources "Include: All accounts", Zone Resources "Include: All zones".
 * "DNS Settings: Read" is the dashboard's wording of the API's "Zone DNS Settings Read".
 */
export const oneleet = definePlatform({
  key: "oneleet",
  displayName: "Oneleet",
  owner: "user",
  defaultProfile: "guide",
  profiles: {
    guide: {
      description:
        "The page's six read-only permissions: R2 buckets, Workers scripts and account settings; zone DNS settings, zone settings and DNS records.",
      groups: [
        { name: "Workers R2 Storage Read", scope: SCOPES.account },
        { name: "Workers Scripts Read", scope: SCOPES.account },
        { name: "Account Settings Read", scope: SCOPES.account },
        { name: "Zone DNS Settings Read", scope: SCOPES.zone },
        { name: "Zone Settings Read", scope: SCOPES.zone },
        { name: "DNS Read", scope: SCOPES.zone },
      ],
    },
  },
  handoff: {
    steps: [
      "In Oneleet, navigate to Integrations > Add integration > Cloudflare and click Continue.",
      "Copy the token below into the form.",
    ],
    fields: [
      { label: "Token secret", source: "token" },
      {
        label: "Token expires",
        source: "expiresOn",
        hint: "rotate before this date (cfct rotate); the page's own rotation is Cloudflare's Roll",
      },
    ],
  },
  source: {
    url: "https://github.com/Oneleet/oneleet-docs/blob/main/pages/integrations/cloudflare.mdx",
    read: "2026-12-07",
    permissions: [
      {
        profile: "guide",
        rows: [
          { quoted: "Account permissions: Workers R2 Storage: Read", scope: SCOPES.account, vendorName: "Workers R2 Storage" },
          { quoted: "Account permissions: Workers Scripts: Read", scope: SCOPES.account, vendorName: "Workers Scripts" },
          { quoted: "Account permissions: Account Settings: Read", scope: SCOPES.account, vendorName: "Account Settings" },
          {
            quoted: "Zone permissions: DNS Settings: Read",
            scope: SCOPES.zone,
            vendorName: "DNS Settings",
            apiName: "Zone DNS Settings Read",
            why: 'the only zone-scope DNS-settings group in the API list, described "Grants read access to Zone DNS Settings"',
          },
          { quoted: "Zone permissions: Zone Settings: Read", scope: SCOPES.zone, vendorName: "Zone Settings" },
          { quoted: "Zone permissions: DNS: Read", scope: SCOPES.zone, vendorName: "DNS" },
        ],
      },
    ],
    guidance: [
      'The page includes "All accounts" and "All zones"; cfct scopes the token to the connection\'s accounts and zones (zones: all for every zone of them).',
      "Rotation on the page is Cloudflare's Roll, then the new secret in the form; cfct rotate issues a new token generation instead and revokes the old one once Oneleet uses the new one.",
      "The page says nothing about a TTL or an IP filter.",
    ],
  },
});
