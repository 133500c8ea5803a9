import { TOKEN_EXPIRES_FIELD, definePlatform, type DocumentedPermission } from "./types";
import { readAllResources } from "./templates";
import { SCOPES } from "../domain/permission-group";

/**
 * The custom token Scytale's page offers instead of the template, row by row as the page writes it
 * (help.scytale.ai 12058234, the same list as docs.scytale.ai/cloudfalre). Every row maps to a
 * group of the API list: by its own name, through the catalog's table of documentation names
 * (Config Rules, API Gateway, L3/4 DDoS Managed Ruleset), or as noted below. The copies readable
 * here end at "Account:L3/4 DDoS Managed Ruleset:Read"; a row the page may have after it could not
 * be read, so none is included: the `custom` profile holds only these names.
 */
const CUSTOM_ROWS: readonly DocumentedPermission[] = [
  { quoted: "Zone:Fraud Detection:Read", scope: SCOPES.zone, vendorName: "Fraud Detection" },
  { quoted: "Zone:Config Rules:Read", scope: SCOPES.zone, vendorName: "Config Rules" },
  {
    quoted: "Zone:Dynamic Redirect:Read",
    scope: SCOPES.zone,
    vendorName: "Dynamic Redirect",
    apiName: "Dynamic URL Redirects Read",
    why: 'described "Grants read access to Dynamic URL Redirect"; the catalog maps the docs\' later name for the same rules, "Single Redirect Read", to it too',
  },
  { quoted: "Zone:API Gateway:Read", scope: SCOPES.zone, vendorName: "API Gateway" },
  { quoted: "Zone:HTTP DDoS Managed Ruleset:Read", scope: SCOPES.zone, vendorName: "HTTP DDoS Managed Ruleset" },
  { quoted: "Zone:Zone WAF:Read", scope: SCOPES.zone, vendorName: "Zone WAF" },
  { quoted: "Zone:Zone Settings:Read", scope: SCOPES.zone, vendorName: "Zone Settings" },
  { quoted: "Zone:Zone:Read", scope: SCOPES.zone, vendorName: "Zone" },
  { quoted: "Zone:DNS:Read", scope: SCOPES.zone, vendorName: "DNS" },
  { quoted: "Zone:Load Balancers:Read", scope: SCOPES.zone, vendorName: "Load Balancers" },
  { quoted: "Zone:Firewall Services:Read", scope: SCOPES.zone, vendorName: "Firewall Services" },
  { quoted: "Zone:SSL and Certificates:Read", scope: SCOPES.zone, vendorName: "SSL and Certificates" },
  { quoted: "User:Memberships:Read", scope: SCOPES.user, vendorName: "Memberships" },
  { quoted: "User Details:Read", scope: SCOPES.user, vendorName: "User Details" },
  {
    quoted: "Account:SSL and Certificates:Read",
    scope: SCOPES.account,
    vendorName: "SSL and Certificates",
    apiName: "Account: SSL and Certificates Read",
    why: 'the only SSL group of account scope in the API list, described "Grants read access to SSL MTLS certificates or Certificate Store"',
  },
  { quoted: "Account:API Gateway:Read", scope: SCOPES.account, vendorName: "API Gateway" },
  { quoted: "Account:Access: SSH Auditing:Read", scope: SCOPES.account, vendorName: "Access: SSH Auditing" },
  { quoted: "Account:Page Shield:Read", scope: SCOPES.account, vendorName: "Page Shield" },
  { quoted: "Account:Magic Firewall:Read", scope: SCOPES.account, vendorName: "Magic Firewall" },
  { quoted: "Account:L3/4 DDoS Managed Ruleset:Read", scope: SCOPES.account, vendorName: "L3/4 DDoS Managed Ruleset" },
];

/**
 * Scytale's Cloudflare integration, read 2026-12-07 (help.scytale.ai/en/articles/12058234-cloudflare-user-guide;
 * docs.scytale.ai/cloudfalre has the same text). A user-owned token (My Profile > API Tokens).
 * "Recommended: Use the Cloudflare "Read all resources" template ... This ensures full coverage for
 * evidence collection without needing future reconfiguration", so `read-all` is the default, as the
 * vendor asks; the page's alternative custom token is the `custom` profile (see CUSTOM_ROWS).
 */
export const scytale = definePlatform({
  key: "scytale",
  displayName: "Scytale",
  owner: "user",
  defaultProfile: "read-all",
  profiles: {
    "read-all": readAllResources(
      'The page\'s recommended "Read all resources" template: every read-only group of account and zone scope, never a Write group.',
    ),
    custom: {
      description: "The page's alternative custom token: its 20 readable rows (12 zone, 2 user, 6 account), each mapped to the API's name.",
      groups: [
        { name: "Fraud Detection Read", scope: SCOPES.zone },
        { name: "Config Settings Read", scope: SCOPES.zone },
        { name: "Dynamic URL Redirects Read", scope: SCOPES.zone },
        { name: "Domain API Gateway Read", scope: SCOPES.zone },
        { name: "HTTP DDoS Managed Ruleset Read", scope: SCOPES.zone },
        { name: "Zone WAF Read", scope: SCOPES.zone },
        { name: "Zone Settings Read", scope: SCOPES.zone },
        { name: "Zone Read", scope: SCOPES.zone },
        { name: "DNS Read", scope: SCOPES.zone },
        { name: "Load Balancers Read", scope: SCOPES.zone },
        { name: "Firewall Services Read", scope: SCOPES.zone },
        { name: "SSL and Certificates Read", scope: SCOPES.zone },
        { name: "Memberships Read", scope: SCOPES.user },
        { name: "User Details Read", scope: SCOPES.user },
        { name: "Account: SSL and Certificates Read", scope: SCOPES.account },
        { name: "Account API Gateway Read", scope: SCOPES.account },
        { name: "Access: SSH Auditing Read", scope: SCOPES.account },
        { name: "Page Shield Read", scope: SCOPES.account },
        { name: "Magic Firewall Read", scope: SCOPES.account },
        { name: "L4 DDoS Managed Ruleset Read", scope: SCOPES.account },
      ],
    },
  },
  handoff: {
    steps: [
      "In Scytale, go to Integrations.",
      "Search for Cloudflare and select Connect.",
      "Paste the API token below; set Connection Name to tell this connection from others.",
      "Click Connect.",
    ],
    fields: [{ label: "API token", source: "token" }, { label: "Connection Name", source: "connectorName" }, TOKEN_EXPIRES_FIELD],
  },
  source: {
    url: "https://help.scytale.ai/en/articles/12058234-cloudflare-user-guide",
    read: "2026-12-07",
    permissions: [{ profile: "custom", rows: CUSTOM_ROWS }],
    guidance: [
      '"The user creating an API token should have Domain Administrator Read Only permissions. Otherwise the token won\'t work even if the right scopes are granted to the token."',
      "The page names no account or zone selection, IP filter or TTL; cfct's default TTL applies and cfct rotate renews it.",
      'Left out of `custom`: whatever the page lists after "Account:L3/4 DDoS Managed Ruleset:Read", which no readable copy shows.',
    ],
  },
});
