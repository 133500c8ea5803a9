/**
 * Cloudflare policy resource keys. Plans keep zone *names* and the token's own user symbolic
 * (`<example.com>`, `<self>`) because only a deploy can look them up; `resolveResources` swaps them
 * for IDs. Keys are always emitted sorted, so the JSON the provider sends never reorders.
 */
import { HEX32 } from "./ids";

export const RESOURCE_PREFIX = {
  account: "com.cloudflare.api.account.",
  zone: "com.cloudflare.api.account.zone.",
  user: "com.cloudflare.api.user.",
} as const;

export const ALL_ZONES_KEY = `${RESOURCE_PREFIX.zone}*`;
export const SELF_USER_KEY = `${RESOURCE_PREFIX.user}<self>`;

/**
 * A policy's resources as Cloudflare's token body has them: resource key -> `"*"`, or an account key
 * -> its zones (`{ "com.cloudflare.api.account.zone.*": "*" }` for every zone of that account).
 */
export type PolicyResources = { readonly [key: string]: "*" | { readonly [key: string]: "*" } };

export const accountKey = (accountId: string) => `${RESOURCE_PREFIX.account}${accountId}`;
export const zoneKey = (zoneIdOrName: string) =>
  HEX32.test(zoneIdOrName) ? `${RESOURCE_PREFIX.zone}${zoneIdOrName}` : `${RESOURCE_PREFIX.zone}<${zoneIdOrName}>`;

const ZONE_NAME_KEY = /^com\.cloudflare\.api\.account\.zone\.<(.+)>$/;

/** Zone names a plan still refers to by name. */
export function zoneNamesIn(resources: PolicyResources): string[] {
  return Object.keys(resources).flatMap((key) => ZONE_NAME_KEY.exec(key)?.[1] ?? []);
}

export function sortedResources(entries: Iterable<[string, PolicyResources[string]]>): PolicyResources {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface ResourceLookups {
  readonly zoneIdsByName: ReadonlyMap<string, string>;
  readonly userId?: string;
}

/** Replaces symbolic keys with IDs; throws naming every name it cannot resolve. */
export function resolveResources(resources: PolicyResources, lookups: ResourceLookups): PolicyResources {
  const missing: string[] = [];
  const entries = Object.entries(resources).map(([key, value]): [string, PolicyResources[string]] => {
    const zoneName = ZONE_NAME_KEY.exec(key)?.[1];
    if (zoneName !== undefined) {
      const id = lookups.zoneIdsByName.get(zoneName);
      if (!id) missing.push(`zone "${zoneName}"`);
      return [`${RESOURCE_PREFIX.zone}${id ?? zoneName}`, value];
    }
    if (key === SELF_USER_KEY) {
      if (!lookups.userId) missing.push("the provisioner's user ID");
      return [`${RESOURCE_PREFIX.user}${lookups.userId ?? "<self>"}`, value];
    }
    return [key, value];
  });
  if (missing.length > 0) throw new Error(`cannot resolve ${missing.join(", ")}`);
  return sortedResources(entries);
}
