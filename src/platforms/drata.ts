import { definePlatform } from "./types";
import { SCOPES } from "../domain/permission-group";

/**
 * Drata's Cloudflare integration guide (Infrastructure and UAR): a custom, user-owned token made
 * from a dedicated service account, with ten Read groups scoped to specific accounts and zones.
 */
export const drata = definePlatform({
  key: "drata",
  displayName: "Drata",
  owner: "user",
  defaultProfile: "guide",
  profiles: {
    guide: {
      description: "The ten Read groups of Drata's guide: 3 account, 5 zone, 2 user scope.",
      groups: [
        { name: "Access: Organizations, Identity Providers, and Groups Read", scope: SCOPES.account },
        { name: "Account Firewall Access Rules Read", scope: SCOPES.account },
        { name: "Account Settings Read", scope: SCOPES.account },
        { name: "Zone Settings Read", scope: SCOPES.zone },
        { name: "Zone Read", scope: SCOPES.zone },
        { name: "Firewall Services Read", scope: SCOPES.zone },
        { name: "Access: Apps and Policies Read", scope: SCOPES.zone },
        { name: "Zone WAF Read", scope: SCOPES.zone },
        { name: "Memberships Read", scope: SCOPES.user },
        { name: "User Details Read", scope: SCOPES.user },
      ],
    },
  },
  handoff: {
    steps: [
      "In Drata, go to Connections > Available Connections.",
      "Search for Cloudflare and select Connect > Create Connection.",
      "Paste the API token below; enable User Access Review if you want it.",
      "Click Connect to Cloudflare.",
    ],
    fields: [
      { label: "API Token", source: "token" },
      { label: "Token expires", source: "expiresOn", hint: "rotate before this date (cfct rotate)" },
    ],
  },
  source: {
    seed: "003_52d658b6ce535021.txt",
    url: "https://help.drata.com/en/articles/5455086-cloudflare-integration-guide-infrastructure-and-uar",
    permissions: [
      {
        profile: "guide",
        rows: [
          {
            quoted: "Account | Access: Organizations, Identity Providers, and Groups | Read |",
            scope: SCOPES.account,
            vendorName: "Access: Organizations, Identity Providers, and Groups",
          },
          {
            quoted: "Account | Account Firewall Access Rules | Read |",
            scope: SCOPES.account,
            vendorName: "Account Firewall Access Rules",
          },
          { quoted: "Account | Account Settings | Read |", scope: SCOPES.account, vendorName: "Account Settings" },
          { quoted: "Zone | Zone Settings | Read |", scope: SCOPES.zone, vendorName: "Zone Settings" },
          { quoted: "Zone | Zone | Read |", scope: SCOPES.zone, vendorName: "Zone" },
          { quoted: "Zone | Firewall Services | Read |", scope: SCOPES.zone, vendorName: "Firewall Services" },
          { quoted: "Zone | Access: Apps and Policies | Read |", scope: SCOPES.zone, vendorName: "Access: Apps and Policies" },
          { quoted: "Zone | Zone WAF | Read |", scope: SCOPES.zone, vendorName: "Zone WAF" },
          { quoted: "Users | Memberships | Read |", scope: SCOPES.user, vendorName: "Memberships" },
          { quoted: "Users | User Details | Read |", scope: SCOPES.user, vendorName: "User Details" },
        ],
      },
    ],
  },
});
