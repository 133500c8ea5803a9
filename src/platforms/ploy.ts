import { definePlatform } from "./types";
import { SCOPES } from "../domain/permission-group";

/**
 * Ploy's Cloudflare integration (access review), read 2026-12-07. It "imports your Cloudflare
 * account's members — their identity, invite status, roles, and two-factor authentication status"
 * with an account-owned token (Manage Account -> Account API Tokens), "so the connection keeps
 * working even if the person who set it up leaves your organisation":
 *   "Under Permissions, add exactly one permission: Account -> Account Settings -> Read."
 */
export const ploy = definePlatform({
  key: "ploy",
  displayName: "Ploy",
  owner: "account",
  defaultProfile: "access-review",
  profiles: {
    "access-review": {
      description: "The page's one permission: account members, their roles and 2FA status.",
      groups: [{ name: "Account Settings Read", scope: SCOPES.account }],
    },
  },
  handoff: {
    steps: [
      "Go to Ploy's Integrations page: https://app.joinploy.com/integrations",
      "Select Cloudflare.",
      "Paste the Account ID and the API Token below.",
    ],
    fields: [
      { label: "Account ID", source: "accountId" },
      { label: "API Token", source: "token" },
      { label: "Token expires", source: "expiresOn", hint: "cfct rotate issues the next token before this date; enter it here" },
    ],
  },
  source: {
    url: "https://help.ploy.io/cloudflare-1s617",
    read: "2026-12-07",
    permissions: [
      {
        profile: "access-review",
        rows: [{ quoted: "Account -> Account Settings -> Read", scope: SCOPES.account, vendorName: "Account Settings" }],
      },
    ],
    guidance: [
      '"Leave IP filtering and TTL unset unless your security policy requires them — if you set a TTL, the integration will stop working when the token expires and you\'ll need to create a new one." cfct always sets a TTL (ttlDays, up to 365) and cfct rotate issues the next token before it expires; each new value must be entered in Ploy.',
      "Prerequisite: administrator access to the Cloudflare account, to create account-owned tokens and view members.",
    ],
  },
});
