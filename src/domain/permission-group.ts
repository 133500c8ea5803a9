/** How Cloudflare names a permission group: by (name, scope), never by name alone. */

export const SCOPES = {
  user: "com.cloudflare.api.user",
  account: "com.cloudflare.api.account",
  zone: "com.cloudflare.api.account.zone",
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** The words a stack file and `cfct platforms` use for scopes, and Cloudflare's names for them. */
export const SCOPE_OF_WORD = { account: SCOPES.account, zone: SCOPES.zone, user: SCOPES.user } as const satisfies Record<string, Scope>;

export type ScopeWord = keyof typeof SCOPE_OF_WORD;

const WORD_OF_SCOPE = Object.fromEntries(Object.entries(SCOPE_OF_WORD).map(([word, scope]) => [scope, word])) as Record<Scope, ScopeWord>;

/** A scope in a stack file's words (account, zone, user); a string that is no scope stays as it is. */
export function scopeWord(scope: Scope): ScopeWord;
export function scopeWord(scope: string): string;
export function scopeWord(scope: string): string {
  return WORD_OF_SCOPE[scope as Scope] ?? scope;
}

/** Scopes in the order policies are emitted, so plans are deterministic. */
export const SCOPE_ORDER: readonly Scope[] = [SCOPES.account, SCOPES.zone, SCOPES.user];

/** A permission group as Cloudflare identifies it: the name alone is ambiguous across scopes. */
export interface PermissionGroupRef {
  readonly name: string;
  readonly scope: Scope;
}

export function groupKey(group: PermissionGroupRef): string {
  return `${group.scope}::${group.name}`;
}

/** A scope as people read it: `account`, `account.zone`, `user`. */
export function scopeLabel(scope: string): string {
  return scope.replace("com.cloudflare.api.", "");
}

/** A group as the reports, diffs and evidence print it: `Zone Read [account.zone]`. */
export function groupLabel(group: { readonly name: string; readonly scope: string }): string {
  return `${group.name} [${scopeLabel(group.scope)}]`;
}

export function describeGroup(group: PermissionGroupRef): string {
  return describeGroupIn(group, (scope) => scope);
}

/** How a message names a scope: Cloudflare's ID, or a stack file's word for it (account, zone, user). */
export type ScopeName = (scope: Scope) => string;

/** describeGroup with the scope named as its reader names it. */
export function describeGroupIn(group: PermissionGroupRef, scopeName: ScopeName): string {
  return `"${group.name}" (${scopeName(group.scope)})`;
}

export function compareGroups(a: PermissionGroupRef, b: PermissionGroupRef): number {
  const byScope = SCOPE_ORDER.indexOf(a.scope) - SCOPE_ORDER.indexOf(b.scope);
  return byScope !== 0 ? byScope : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
