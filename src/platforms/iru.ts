import { definePlatform } from "./types";
import { readAllResources } from "./templates";

/**
 * Iru's Cloudflare source (Compliance), read 2026-12-07. It "reads zones, DNS, security and WAF
 * settings, firewall rules, and account membership" with a token sent as a Bearer token, and says:
 *   "Prefer Account API tokens (Manage Account → API Tokens) for long-lived automation; User tokens follow individual users."
 *   "Prefer a Read template such as Read all resources unless your security team publishes a tighter custom policy."
 *   "If you use a custom token, grant read (or equivalent) on Account, Zone, and User objects Iru needs for your frameworks."
 * The page names no group list, so the template is the only profile: account-owned, as it prefers.
 * A tighter policy of your own is a stack-defined platform (docs/platforms.md).
 */
export const iru = definePlatform({
  key: "iru",
  displayName: "Iru",
  owner: "account",
  defaultProfile: "read-all",
  profiles: {
    "read-all": readAllResources(
      'The page\'s preferred "Read all resources" template: every read-only group of account and zone scope. The page lists no narrower set.',
    ),
  },
  handoff: {
    steps: [
      "In Iru Compliance, turn on the Cloudflare source (allow its pop-up if nothing opens).",
      "Paste the API token below as the Bearer token.",
    ],
    fields: [
      { label: "API token (Bearer)", source: "token" },
      { label: "Token expires", source: "expiresOn", hint: "note it in your rotation calendar; cfct rotate issues the next one" },
    ],
  },
  source: {
    url: "https://docs.iru.com/en/compliance/sources/cloudflare-source",
    read: "2026-12-07",
    guidance: [
      '"Set TTL (time to live) and IP allowlists if your security program expects them. Note any expiry date in your rotation calendar."',
      '"Iru uses read permissions only - it does not change DNS, rules, or zones."',
      "Its troubleshooting verifies at /user/tokens/verify; an account-owned token verifies at /accounts/{account_id}/tokens/verify (cfct verify uses that).",
      "Prerequisite: Admin or Super Administrator (or equivalent) on the Cloudflare account.",
    ],
  },
});
