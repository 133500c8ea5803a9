import { KNOWN_PERMISSION_GROUPS, apiNameOfDocsName, findKnownGroup } from "../cloudflare/permission-groups";
import type { PermissionGroupRef } from "../domain/permission-group";
import type { DocumentedPermission, PlatformDefinition } from "./types";

/** How a row of a platform's page became an API group. */
export type MappingBasis =
  /** `<vendorName> Read` is the API's name at that scope. */
  | "api-name"
  /** The same name, spelled with other capitals by the API. */
  | "api-spelling"
  /** A documentation display name, mapped by the catalog's table (src/cloudflare/build-permission-catalog.ts). */
  | "documentation-name"
  /** A dashboard wording neither knows: the entry names the API group and says why. */
  | "entry";

export interface MappedPermission {
  readonly row: DocumentedPermission;
  /** Undefined when the row maps to no group of the API list at its scope. */
  readonly group?: PermissionGroupRef;
  readonly basis?: MappingBasis;
}

/** Maps one row of a platform's page to the API's group at its scope, by the rules of MappingBasis, in that order. */
export function mapDocumentedPermission(row: DocumentedPermission): MappedPermission {
  const asWritten = { name: `${row.vendorName} Read`, scope: row.scope };
  if (findKnownGroup(asWritten)) return { row, group: asWritten, basis: "api-name" };
  const lower = asWritten.name.toLowerCase();
  const spelled = KNOWN_PERMISSION_GROUPS.find((g) => g.scope === row.scope && g.name.toLowerCase() === lower);
  if (spelled) return { row, group: { name: spelled.name, scope: row.scope }, basis: "api-spelling" };
  const documented = apiNameOfDocsName(asWritten);
  if (documented) return { row, group: { name: documented, scope: row.scope }, basis: "documentation-name" };
  if (row.apiName && findKnownGroup({ name: row.apiName, scope: row.scope }))
    return { row, group: { name: row.apiName, scope: row.scope }, basis: "entry" };
  return { row };
}

/** Every row of the page's list for this profile (all its lists without one), mapped; empty where the page lists no groups (a template). */
export function documentedPermissions(platform: PlatformDefinition, profile?: string): MappedPermission[] {
  return (platform.source.permissions ?? [])
    .filter((list) => profile === undefined || list.profile === profile)
    .flatMap((list) => list.rows.map(mapDocumentedPermission));
}
