import type { ZoneSummary } from "../cloudflare/client";
import { HEX32 } from "../domain/ids";
import type { ResolvedZones } from "./types";
import type { ZoneGrants } from "./zone-scope";

/**
 * Pure decisions of coverage: the chosen zones against what the token reaches, whether that was
 * learnt by listing what it sees or from its policies read back. Renderers word them (coverage-render.ts).
 */
export interface ChosenZonesDecision {
  /** How the token's reach was learnt: what it lists, or what its policies (read back) hold. */
  readonly evidence: "listing" | "policies";
  /** Chosen names no zone of the chosen accounts has (only the provisioner's resolution can tell). */
  readonly unresolved: readonly string[];
  /** Chosen zones the token does not reach, by name where known. */
  readonly missing: readonly string[];
  /** What the token reaches beyond the chosen zones, named. */
  readonly extra: readonly string[];
  /** The chosen zones it reaches. */
  readonly held: readonly ZoneSummary[];
  /** Listing only: the token lists no zone at all ("Zone Read" may be missing). */
  readonly seesNothing: boolean;
}

const matches = (ref: string, zone: ZoneSummary) => ref === zone.id || ref === zone.name;

export const byName = (a: ZoneSummary, b: ZoneSummary) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The chosen zones against every zone the token lists in the chosen accounts. */
export function decideListed(chosen: readonly string[], visible: readonly ZoneSummary[]): ChosenZonesDecision {
  return {
    evidence: "listing",
    unresolved: [],
    missing: chosen.filter((ref) => !visible.some((z) => matches(ref, z))),
    extra: visible.filter((z) => !chosen.some((ref) => matches(ref, z))).map((z) => z.name || z.id),
    held: visible.filter((z) => chosen.some((ref) => matches(ref, z))),
    seesNothing: visible.length === 0,
  };
}

/** The chosen zones against the zone grants of the token's policies, names resolved through the provisioner. */
export function decideHeld(
  chosen: readonly string[],
  grants: ZoneGrants,
  resolved: ResolvedZones | undefined,
  accounts: readonly string[],
): ChosenZonesDecision {
  const idOf = (ref: string) => (HEX32.test(ref) ? ref : resolved?.byName.get(ref));
  const nameOf = (id: string) => resolved?.byId.get(id) ?? id;
  const holds = (id: string) => {
    if (grants.zones.has(id) || grants.allZonesOf.has("*")) return true;
    const account = resolved?.accountById.get(id);
    return account ? grants.allZonesOf.has(account) : accounts.some((a) => grants.allZonesOf.has(a));
  };
  const chosenIds = new Set(chosen.flatMap((ref) => idOf(ref) ?? []));
  return {
    evidence: "policies",
    unresolved: chosen.filter((ref) => !idOf(ref)),
    missing: [...chosenIds].filter((id) => !holds(id)).map(nameOf),
    extra: [...[...grants.zones].filter((id) => !chosenIds.has(id)).map(nameOf), ...[...grants.allZonesOf].map(allZonesText)],
    held: [...chosenIds]
      .filter(holds)
      .map((id) => ({ id, name: nameOf(id), accountId: resolved?.accountById.get(id) ?? "" }))
      .sort(byName),
    seesNothing: false,
  };
}

/** A grant of all zones of an account (`*`: of every account), as findings name it. */
export function allZonesText(account: string): string {
  return account === "*" ? "all zones of every account" : `all zones of account ${account}`;
}

/** Chosen zones whose ID is known (given by ID, or a name the provisioner resolved). */
export function knownChosen(chosen: readonly string[], resolved: ResolvedZones | undefined): ZoneSummary[] {
  return chosen.flatMap((ref) => {
    const id = HEX32.test(ref) ? ref : resolved?.byName.get(ref);
    return id ? [{ id, name: resolved?.byId.get(id) ?? ref, accountId: resolved?.accountById.get(id) ?? "" }] : [];
  });
}
