import { TOKEN_EXPIRES_FIELD, definePlatform, type PlatformHandoff } from "./types";
import { SCOPES } from "../domain/permission-group";

/**
 * ConductorOne's "Cloudflare v2" connector (user access reviews), read 2026-12-07. Its page gives
 * two permission sets for a custom token made under My Profile > API Tokens:
 *   "To provision Cloudflare access via ConductorOne and run access reviews on your Cloudflare users:
 *      Account -> Account Settings -> Edit; Account -> Access: Organizations, Identity Providers, and Groups -> Read"
 *   "To only run access reviews on your Cloudflare users:
 *      Account -> Account Settings -> Read; Account -> Access: Organizations, Identity Providers, and Groups -> Read"
 * Only the access-review set is built in: provisioning needs Account Settings Edit (docs/platforms.md, Not built in).
 */
export const conductorone = definePlatform({
  key: "conductorone",
  displayName: "ConductorOne (Cloudflare v2)",
  owner: "user",
  defaultProfile: "access-review",
  profiles: {
    "access-review": {
      description: "The page's access-review set: account members and roles, and Access organizations, identity providers and groups.",
      groups: [
        { name: "Account Settings Read", scope: SCOPES.account },
        { name: "Access: Organizations, Identity Providers, and Groups Read", scope: SCOPES.account },
      ],
    },
  },
  handoff: conductorOneHandoff("Cloudflare v2"),
  source: {
    url: "https://conductorone.com/docs/baton/cloudflare-v2",
    read: "2026-12-07",
    permissions: [
      {
        profile: "access-review",
        rows: [
          { quoted: "Account -> Account Settings -> Read", scope: SCOPES.account, vendorName: "Account Settings" },
          {
            quoted: "Account -> Access: Organizations, Identity Providers, and Groups -> Read",
            scope: SCOPES.account,
            vendorName: "Access: Organizations, Identity Providers, and Groups",
          },
        ],
      },
    ],
    guidance: [
      '"A user with Super Administrator access in Cloudflare must perform this task."',
      "User-owned: My Profile > API Tokens > Create Token > Custom Token.",
      "The page says nothing about a TTL or an IP filter; cfct's default TTL applies and cfct rotate renews it.",
      "The page's configuration steps after choosing the app were not readable in full; the credentials it gathers are the Account ID and the API token.",
    ],
  },
});

/** Both ConductorOne connectors take the same two credentials through the same steps; only the connector's name differs. */
export function conductorOneHandoff(connector: string): PlatformHandoff {
  return {
    steps: [
      "In ConductorOne, navigate to Admin > Connectors and click Add connector.",
      `Search for ${connector} and click Add.`,
      "Choose how to set up the connector (an unmanaged app, a managed app, or a new managed app) and set its owner.",
      "Enter the Account ID and the API token below where the connector's configuration asks for them, and save.",
    ],
    fields: [{ label: "Account ID", source: "accountId" }, { label: "API token", source: "token" }, TOKEN_EXPIRES_FIELD],
  };
}
