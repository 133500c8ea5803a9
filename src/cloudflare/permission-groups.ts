// The data file has its own name: a .json next to permission-groups.ts would shadow it under ts-node (Pulumi's loader).
import catalog from "./permission-group-catalog.json";
import { describeGroupIn, groupKey, type PermissionGroupRef, type Scope, type ScopeName } from "../domain/permission-group";

export type GroupAccess = "read" | "write" | "other";

export interface KnownPermissionGroup extends PermissionGroupRef {
  readonly access: GroupAccess;
}

/**
 * Every group in Cloudflare's API list (account and zone scope) plus the user-scope groups, generated
 * by `npm run catalog` (see permission-group-catalog.json for sources); IDs are resolved live, never stored.
 */
export const KNOWN_PERMISSION_GROUPS: readonly KnownPermissionGroup[] = catalog.groups as KnownPermissionGroup[];

/** Documentation display names the API does not use, with the API's name for each (for error messages). */
const DOCS_ALIASES = catalog.docsAliases as readonly { docsName: string; scope: Scope; apiName: string }[];

const knownByKey = new Map(KNOWN_PERMISSION_GROUPS.map((g) => [groupKey(g), g]));

export function findKnownGroup(group: PermissionGroupRef): KnownPermissionGroup | undefined {
  return knownByKey.get(groupKey(group));
}

/**
 * Only `read` groups are safe for a compliance reader (the catalog's readOnlyRule says what that is).
 * A group outside the catalog is not read-only: nothing vouches for what it grants.
 */
export function isReadOnlyGroup(group: PermissionGroupRef): boolean {
  return findKnownGroup(group)?.access === "read";
}

/** The API's name of a documentation display name at that scope ("Cache Rules Read" → "Cache Settings Read"), if the catalog's table has it. */
export function apiNameOfDocsName(group: PermissionGroupRef): string | undefined {
  return DOCS_ALIASES.find((a) => a.docsName === group.name && a.scope === group.scope)?.apiName;
}

/**
 * For a group not in the catalog: the likely intended group, as a sentence ending in the fix. It
 * knows the documentation's display names ("Cache Rules Read" is the API's "Cache Settings Read"),
 * names that exist at another scope, and names that differ only in case; otherwise undefined.
 */
export function suggestKnownGroup(group: PermissionGroupRef, scopeName: ScopeName = (scope) => scope): string | undefined {
  if (findKnownGroup(group)) return undefined;
  const apiName = apiNameOfDocsName(group);
  if (apiName) {
    return `"${group.name}" is the documentation's display name; the API names it "${apiName}". Fix: did you mean "${apiName}"?`;
  }
  const lower = group.name.toLowerCase();
  const sameName = KNOWN_PERMISSION_GROUPS.filter((g) => g.name.toLowerCase() === lower);
  const atScope = sameName.find((g) => g.scope === group.scope);
  if (atScope) return `Cloudflare spells it "${atScope.name}". Fix: did you mean "${atScope.name}"?`;
  if (sameName.length > 0) {
    return `Cloudflare has "${sameName[0]!.name}" only at scope ${sameName.map((g) => scopeName(g.scope)).join(", ")}. Fix: use that scope, or pick a group of scope ${scopeName(group.scope)}.`;
  }
  return undefined;
}

/** Why a group is unusable, with the fix: for errors wherever a user can name a group. */
export function unknownGroupMessage(group: PermissionGroupRef, scopeName: ScopeName = (scope) => scope): string {
  return (
    `permission group ${describeGroupIn(group, scopeName)} is not in Cloudflare's permission-group list. ` +
    (suggestKnownGroup(group, scopeName) ??
      "Fix: use a name and scope from src/cloudflare/permission-group-catalog.json (GET /accounts/{account_id}/tokens/permission_groups).")
  );
}
