import { KNOWN_PERMISSION_GROUPS } from "../cloudflare/permission-groups";
import { SCOPES } from "../domain/permission-group";
import type { PlatformProfile } from "./types";

/**
 * Cloudflare's "Read all resources" API-token template ("All Read Permissions", Account & Zone, in
 * Cloudflare's template table): every read-only group of account and zone scope in Cloudflare's
 * permission-group list (the catalog's readOnlyRule), never a Write group. Guides that ask for it
 * get it as a profile; `description` says why this platform has it.
 */
export function readAllResources(description: string): PlatformProfile {
  return {
    description,
    template: "Read all resources",
    groups: KNOWN_PERMISSION_GROUPS.filter((g) => g.access === "read" && (g.scope === SCOPES.account || g.scope === SCOPES.zone)).map(
      ({ name, scope }) => ({ name, scope }),
    ),
  };
}
