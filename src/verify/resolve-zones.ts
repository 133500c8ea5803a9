import type { CloudflareClient, ZoneSummary } from "../cloudflare/client";
import { HEX32 } from "../domain/ids";
import { type TokenPlan } from "../domain/plan";
import { zoneNamesIn } from "../domain/resource-keys";
import type { ResolvedZones } from "./types";
import { CONCURRENCY, mapLimit } from "./limit";
import { ZONES_PER_PAGE, completeView, listAccountZones, zoneCount, type ZoneView } from "./zones";

/**
 * The plan keeps zone names symbolic; they resolve through the provisioner, never through the token
 * (a token scoped to specific zones cannot list zones, and an IP-filtered one lists nothing from
 * here). Zones chosen by ID are named the same way, for messages and the hand-off sheet. A zone or
 * two (no more than there are chosen accounts) cost one call each (`GET /zones?name=…`,
 * `GET /zones/{id}`). More list the chosen accounts' zones instead, 50 a page, and match them here:
 * page 1 of each account says how many pages are left, and the rest is read only when that is
 * cheaper than asking one by one. So the cost is at most the accounts' pages, however many zones
 * were chosen; a provisioner that holds only the chosen zones (it cannot list them) costs one call
 * per chosen zone instead.
 */
export async function resolveZones(
  plan: TokenPlan,
  provisioner: CloudflareClient,
): Promise<ResolvedZones & { byName: Map<string, string>; byId: Map<string, string> }> {
  const byName = new Map<string, string>();
  const byId = new Map<string, string>();
  const accountById = new Map<string, string>();
  const nameById = (zone: ZoneSummary) => {
    byId.set(zone.id, zone.name);
    if (zone.accountId) accountById.set(zone.id, zone.accountId);
  };
  const learn = (zone: ZoneSummary) => {
    byName.set(zone.name, zone.id);
    nameById(zone);
  };
  const accounts = plan.scope.accounts;
  let names = [...new Set(plan.policies.flatMap((p) => zoneNamesIn(p.resources)))];
  let ids = Array.isArray(plan.scope.zones) ? [...new Set(plan.scope.zones.filter((ref) => HEX32.test(ref)))] : [];
  if (names.length + ids.length > accounts.length) {
    let views = await mapLimit(accounts, CONCURRENCY, (a) => listAccountZones(provisioner, a, { firstPageOnly: true }));
    views.forEach((v) => v.zones.forEach(nameById));
    names = learnListed(views, names, learn);
    ids = ids.filter((id) => !byId.has(id));
    const pagesLeft = views.reduce((sum, v) => sum + (v.complete || v.error ? 0 : Math.ceil(zoneCount(v) / ZONES_PER_PAGE) - 1), 0);
    // A provisioner that holds only the chosen zones cannot list them either: it is asked one by one below.
    const listable = views.every((v) => !v.error);
    if (listable && names.length + ids.length > pagesLeft) {
      views = await mapLimit(views, CONCURRENCY, (v) => completeView(provisioner, v));
      views.forEach((v) => v.zones.forEach(nameById));
      learnListed(views, names, learn);
      // Every page was read: a zone not found does not exist in the chosen accounts (exactness and coverage say so).
      names = [];
      ids = [];
    }
  }
  // Unresolved names are reported by exactness and coverage as zones that do not exist in the chosen accounts; an unnamed ID keeps its ID.
  await mapLimit(names, CONCURRENCY, async (name) => {
    const page = await provisioner.zonesPage({ name, perPage: 5 }).catch(() => undefined);
    const match = page?.zones.filter((z) => z.name === name && accounts.includes(z.accountId)) ?? [];
    if (match.length === 1) learn(match[0]!);
  });
  await mapLimit(ids, CONCURRENCY, async (id) => {
    const zone = await provisioner.get<{ id?: string; name?: string; account?: { id?: string } }>(`/zones/${id}`).catch(() => undefined);
    if (zone?.result?.name) nameById({ id, name: zone.result.name, accountId: zone.result.account?.id ?? "" });
  });
  return { byName, byId, accountById };
}

/** Learns the wanted names the listed zones hold exactly once; returns the names still unresolved. */
function learnListed(views: readonly ZoneView[], names: readonly string[], learn: (zone: ZoneSummary) => void): string[] {
  const wanted = new Set(names);
  const found = new Map<string, ZoneSummary[]>();
  for (const zone of views.flatMap((v) => v.zones))
    if (wanted.has(zone.name)) found.set(zone.name, [...(found.get(zone.name) ?? []), zone]);
  for (const matches of found.values()) if (matches.length === 1) learn(matches[0]!);
  return names.filter((n) => !found.has(n));
}
