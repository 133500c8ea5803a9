import { conductorOneHandoff } from "./conductorone";
import { definePlatform } from "./types";
import { SCOPES } from "../domain/permission-group";

/**
 * ConductorOne's Cloudflare Zero Trust connector, read 2026-12-07. A custom token under My Profile >
 * API Tokens; "If you want to use ConductorOne to provision Cloudflare Zero Trust groups and roles"
 * the page sets Access: Organizations, Identity Providers, and Groups to Edit, "Otherwise, set:
 *   Account -> Account Settings -> Read
 *   Account -> Access: Organizations, Identity Providers, and Groups -> Read
 *   Account -> Access: Apps and Policies -> Read
 *   Account -> Access: Audit Logs -> Read"
 * Only that read set is built in: the provisioning variant writes (docs/platforms.md, Not built in).
 */
export const conductoroneZeroTrust = definePlatform({
  key: "conductorone-zero-trust",
  displayName: "ConductorOne (Cloudflare Zero Trust)",
  owner: "user",
  defaultProfile: "read",
  profiles: {
    read: {
      description:
        "The page's read set: account members, Access groups and identity providers, Access apps and policies, Access audit logs.",
      groups: [
        { name: "Account Settings Read", scope: SCOPES.account },
        { name: "Access: Organizations, Identity Providers, and Groups Read", scope: SCOPES.account },
        { name: "Access: Apps and Policies Read", scope: SCOPES.account },
        { name: "Access: Audit Logs Read", scope: SCOPES.account },
      ],
    },
  },
  handoff: conductorOneHandoff("Cloudflare Zero Trust"),
  source: {
    url: "https://conductorone.com/docs/baton/cloudflare-zero-trust",
    read: "2026-12-07",
    permissions: [
      {
        profile: "read",
        rows: [
          { quoted: "Account -> Account Settings -> Read", scope: SCOPES.account, vendorName: "Account Settings" },
          {
            quoted: "Account -> Access: Organizations, Identity Providers, and Groups -> Read",
            scope: SCOPES.account,
            vendorName: "Access: Organizations, Identity Providers, and Groups",
          },
          { quoted: "Account -> Access: Apps and Policies -> Read", scope: SCOPES.account, vendorName: "Access: Apps and Policies" },
          { quoted: "Account -> Access: Audit Logs -> Read", scope: SCOPES.account, vendorName: "Access: Audit Logs" },
        ],
      },
    ],
    guidance: [
      '"A user with Super Administrator access in Cloudflare Zero Trust must perform this task."',
      "User-owned: My Profile > API Tokens > Create Token > Custom Token.",
      "The page says nothing about a TTL or an IP filter; cfct's default TTL applies and cfct rotate renews it.",
      "The page's configuration steps after choosing the app were not readable in full; the credentials it gathers are the Account ID and the API token.",
    ],
  },
});
