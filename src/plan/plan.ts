import { platformCatalog, type ConnectionSettings, type Settings } from "../config/schema";
import type { PlatformCatalog } from "../platforms";
import { PLATFORMS } from "../platforms";
import type { TokenOwner } from "../domain/owner";
import { DAY_MS, rfc3339 } from "../domain/time";
import { ALL_ZONES_KEY, SELF_USER_KEY, accountKey, sortedResources, zoneKey, type PolicyResources } from "../domain/resource-keys";
import { SCOPE_ORDER, SCOPES, compareGroups, describeGroup, type Scope } from "../domain/permission-group";
import type { PolicyPlan, TokenPlan } from "../domain/plan";
import { type Generation } from "../domain/generation";
import { accountSuffixes } from "./account-suffix";
import { CfctError } from "../domain/cfct-error";

/**
 * Settings that parse but cannot be planned: two tokens with one key, a platform or profile the
 * catalog lacks, user-scope groups on an account-owned token, a token name over 120 characters.
 */
export class PlanError extends CfctError {
  override name = "PlanError";
}

const TOKEN_NAME_MAX = 120;

/**
 * Pure: settings + catalog + clock -> the tokens to exist. Same input, byte-identical output.
 * `catalog` is the built-in one; the platforms the stack defines itself are added to it.
 * `now` only anchors a generation that has no recorded issue time yet (a first deploy).
 */
export function plan(settings: Settings, catalog: PlatformCatalog = PLATFORMS, now: Date = new Date()): TokenPlan[] {
  const platforms = platformCatalog(settings, catalog);
  const tokens = settings.connections.flatMap((connection) => planConnection(settings, connection, platforms, now));
  const seen = new Set<string>();
  for (const token of tokens) {
    const id = `${token.key}#${token.generation}`;
    if (seen.has(id)) throw new PlanError(`two tokens share the key ${token.key}: rename one of the connections`);
    seen.add(id);
  }
  return tokens;
}

function planConnection(settings: Settings, connection: ConnectionSettings, catalog: PlatformCatalog, now: Date): TokenPlan[] {
  const platform = catalog[connection.platform.key];
  if (!platform) throw new PlanError(`platform ${connection.platform.key} is not in the catalog`);
  const profile = platform.profiles[connection.profile];
  if (!profile) throw new PlanError(`platform ${platform.key} has no profile ${connection.profile}`);

  const owners: TokenOwner[] = platform.tokenPerAccount
    ? connection.accounts.map((accountId) => ({ kind: "account", accountId }))
    : [{ kind: "user" }];

  const suffixes = accountSuffixes(connection.accounts);
  return owners.flatMap((owner) => {
    // Per-account tokens always carry their account, so adding an account later never renames (replaces) a token.
    const key = owner.kind === "account" ? `${connection.name}-${suffixes.get(owner.accountId)}` : connection.name;
    if (owner.kind === "account" && profile.groups.some((g) => g.scope === SCOPES.user)) {
      throw new PlanError(
        `${platform.key}/${connection.profile}: account-owned tokens cannot carry user-scope groups (${profile.groups
          .filter((g) => g.scope === SCOPES.user)
          .map(describeGroup)
          .join(", ")})`,
      );
    }
    const accounts = owner.kind === "account" ? [owner.accountId] : connection.accounts;
    const policies = SCOPE_ORDER.flatMap((scope): PolicyPlan[] => {
      const groups = profile.groups.filter((g) => g.scope === scope).sort(compareGroups);
      if (groups.length === 0) return [];
      return [
        {
          effect: "allow",
          permissionGroups: groups.map(({ name, scope }) => ({ name, scope })),
          resources: resourcesFor(scope, accounts, connection.zones),
        },
      ];
    });
    const tracked = settings.generations[key];
    const generations: Generation[] = tracked
      ? [tracked.active, ...(tracked.successor ? [tracked.successor] : [])]
      : [{ generation: 1, issuedAt: rfc3339(now) }];
    return generations.map((generation): TokenPlan => {
      const name = tokenName(settings, key, generation.generation);
      if (name.length > TOKEN_NAME_MAX) {
        throw new PlanError(
          `token name "${name}" is longer than ${TOKEN_NAME_MAX} characters: shorten the connection name or tokenNamePrefix`,
        );
      }
      const issuedAt = new Date(generation.issuedAt);
      return {
        key,
        connection: connection.name,
        platform: platform.key,
        profile: connection.profile,
        owner,
        name,
        generation: generation.generation,
        issuedAt: rfc3339(issuedAt),
        policies,
        expiresOn: rfc3339(new Date(issuedAt.getTime() + connection.token.ttlDays * DAY_MS)),
        notBefore: null,
        allowedIps: [...connection.token.allowedIps],
        deniedIps: [...connection.token.deniedIps],
        scope: { accounts, zones: connection.zones === "all" ? "all" : [...connection.zones].sort() },
      };
    });
  });
}

/** How a stack names a token generation in Cloudflare: `<prefix> <stack> <key> g<generation>`. */
export function tokenName(settings: Pick<Settings, "tokenNamePrefix" | "stack">, key: string, generation: number): string {
  return `${settings.tokenNamePrefix} ${settings.stack} ${key} g${generation}`;
}

/**
 * The generation a Cloudflare token name gives for `key` under this stack's naming, or undefined when
 * the name is not exactly that grammar (so `drata-gold` is never taken for `drata`).
 */
export function generationNamed(settings: Pick<Settings, "tokenNamePrefix" | "stack">, key: string, name: string): number | undefined {
  const head = tokenName(settings, key, 0).slice(0, -1);
  if (!name.startsWith(head)) return undefined;
  const digits = name.slice(head.length);
  return /^[1-9]\d*$/.test(digits) ? Number(digits) : undefined;
}

function resourcesFor(scope: Scope, accounts: readonly string[], zones: ConnectionSettings["zones"]): PolicyResources {
  switch (scope) {
    case SCOPES.account:
      return sortedResources(accounts.map((id) => [accountKey(id), "*"]));
    case SCOPES.zone:
      return zones === "all"
        ? sortedResources(accounts.map((id) => [accountKey(id), { [ALL_ZONES_KEY]: "*" }]))
        : sortedResources(zones.map((zone) => [zoneKey(zone), "*"]));
    case SCOPES.user:
      return { [SELF_USER_KEY]: "*" };
  }
}
