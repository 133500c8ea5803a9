// The data file has its own name: a .json next to permission-groups.ts would shadow it under ts-node (Pulumi's loader).
import catalog from "./permission-group-catalog.json";

export const SCOPES = {
  user: "com.cloudflare.api.user",
  account: "com.cloudflare.api.account",
  zone: "com.cloudflare.api.account.zone",
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** Scopes in the order policies are emitted, so plans are deterministic. */
export const SCOPE_ORDER: readonly Scope[] = [SCOPES.account, SCOPES.zone, SCOPES.user];

export type GroupAccess = "read" | "write" | "other";

/** A permission group as Cloudflare identifies it: the name alone is ambiguous across scopes. */
export interface PermissionGroupRef {
  readonly name: string;
  readonly scope: Scope;
}

export interface KnownPermissionGroup extends PermissionGroupRef {
  readonly access: GroupAccess;
}

/** Every group Cloudflare documents (see permission-group-catalog.json for sources); IDs are resolved live, never stored. */
export const KNOWN_PERMISSION_GROUPS: readonly KnownPermissionGroup[] = catalog.groups as KnownPermissionGroup[];

export function groupKey(group: PermissionGroupRef): string {
  return `${group.scope}::${group.name}`;
}

export function describeGroup(group: PermissionGroupRef): string {
  return `"${group.name}" (${group.scope})`;
}

const knownByKey = new Map(KNOWN_PERMISSION_GROUPS.map((g) => [groupKey(g), g]));

export function findKnownGroup(group: PermissionGroupRef): KnownPermissionGroup | undefined {
  return knownByKey.get(groupKey(group));
}

/** Write/Edit/Revoke/Purge groups change things; only `read` groups are safe for a compliance reader. */
export function isReadOnlyGroup(group: PermissionGroupRef): boolean {
  const known = findKnownGroup(group);
  if (known) return known.access === "read";
  return /\bRead\b/.test(group.name) && !/\b(Write|Edit|Revoke|Purge)\b/.test(group.name);
}

export function compareGroups(a: PermissionGroupRef, b: PermissionGroupRef): number {
  const byScope = SCOPE_ORDER.indexOf(a.scope) - SCOPE_ORDER.indexOf(b.scope);
  return byScope !== 0 ? byScope : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
