import { CloudflareApiError } from "../cloudflare/client";
import { resourceAtoms } from "./atoms";
import type { ReadBack } from "./types";
import { SCOPES } from "../domain/permission-group";

/**
 * What a token's zone-scope grants reach, from its policies as Cloudflare stores them. Cloudflare
 * lets a token list zones (GET /zones without an exact `name`) only when it holds all zones of the
 * account (a Cloudflare engineer in nodecraft/acme-dns-01-cloudflare#8); a token scoped to specific
 * zones is refused with 403 "requires permission 'com.cloudflare.api.account.zone.list'". Its
 * coverage is therefore proven from these grants, not by listing.
 */
export interface ZoneGrants {
  /** Zone IDs granted one by one, minus those a deny policy names. */
  readonly zones: ReadonlySet<string>;
  /** Accounts all of whose zones are granted; `*` when every zone of every account is. */
  readonly allZonesOf: ReadonlySet<string>;
}

export function zoneGrants(readBack: ReadBack): ZoneGrants {
  const zoneGroupIds = new Set(readBack.groups.filter((g) => g.scopes.includes(SCOPES.zone)).map((g) => g.id));
  const zones = new Set<string>();
  const denied = new Set<string>();
  const allZonesOf = new Set<string>();
  for (const policy of readBack.token.policies ?? []) {
    if (!(policy.permission_groups ?? []).some((g) => zoneGroupIds.has(g.id))) continue;
    for (const atom of resourceAtoms(policy.resources as Record<string, unknown>)) {
      if (policy.effect === "deny") {
        if (atom.kind === "zone") denied.add(atom.id);
      } else if (atom.kind === "zone") zones.add(atom.id);
      else if (atom.kind === "account-zones") allZonesOf.add(atom.account);
      else if (atom.kind === "all-zones" || atom.kind === "everything") allZonesOf.add("*");
    }
  }
  for (const id of denied) zones.delete(id);
  return { zones, allZonesOf };
}

/** Whether the grants let the token list the account's zones. */
export function listsZonesOf(grants: ZoneGrants, accountId: string): boolean {
  return grants.allZonesOf.has("*") || grants.allZonesOf.has(accountId);
}

/** Cloudflare's refusal to list zones to a token without all zones of the account: matched on status and message, never on the code alone. */
export function isZoneListRefusal(error: unknown): boolean {
  return error instanceof CloudflareApiError && error.status === 403 && error.mentions(/com\.cloudflare\.api\.account\.zone\.list/);
}

/** How many chosen zones verify probes functionally by default; `--probe-all-zones` probes every one. */
export const ZONE_SAMPLE_SIZE = 5;

/**
 * A bounded, deterministic sample spread evenly over `items` (first, last and between), so a probe
 * of a large zone list does not look only at its alphabetical head.
 */
export function spreadSample<T>(items: readonly T[], size: number): T[] {
  if (items.length <= size) return [...items];
  if (size <= 1) return items.slice(0, size);
  return Array.from({ length: size }, (_, i) => items[Math.round((i * (items.length - 1)) / (size - 1))]!);
}
