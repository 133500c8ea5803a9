import type { ZoneSummary } from "../cloudflare/client";
import { HEX32 } from "../domain/ids";
import { deployCommand, diagnoseTransport } from "./diagnose";
import { allZonesText, byName, decideHeld, decideListed, knownChosen } from "./coverage-decide";
import { ID, listFailure, renderChosen, renderCounts, renderNoZones, unlistedZonesCheck, type AccountCount } from "./coverage-render";
import { CONCURRENCY, mapLimit } from "./limit";
import type { CountedZones, CoverageContext, CoverageResult, UnnamedZones } from "./types";
import { ZONE_SAMPLE_SIZE, isZoneListRefusal, listsZonesOf, spreadSample, zoneGrants } from "./zone-scope";
import { completeView, describeZones, listAccountZones, zoneCount } from "./zones";

/**
 * Check 5, the ASCERA guide's "No data returned" row: the zones the token can see versus the zones
 * chosen. Cost grows with pages of zones (50 per call), never with zones × groups:
 *  - explicit zones, token scoped to specific zones (it cannot list zones, see zone-scope.ts): no
 *    call of its own; the zones its policies hold (read back by exactness) against the chosen ones,
 *    names resolved through the provisioner's pages; the probes then use the token on a sample;
 *  - explicit zones, token with all zones of the accounts, or no provisioner to read its policies:
 *    every page of what the token sees per chosen account;
 *  - `all` / unspecified: page 1 per account from the token and from the provisioner, comparing
 *    `total_count`; only when the counts differ are the remaining pages read, to name the zones.
 */

export async function checkCoverage(ctx: CoverageContext): Promise<CoverageResult> {
  switch (ctx.mode.kind) {
    case "none":
      return coverageNone(ctx);
    case "explicit":
      return coverageExplicit(ctx, ctx.mode.zones);
    default:
      return coverageAll(ctx, ctx.mode);
  }
}

/**
 * A profile that reads no zones: the token must reach none. Its policies read back say so without a
 * call (a token lists zones only through a zone-scope grant); without them, it lists page 1 per account.
 */
async function coverageNone(ctx: CoverageContext): Promise<CoverageResult> {
  if (ctx.readBack) {
    const grants = zoneGrants(ctx.readBack);
    const held = [...grants.zones, ...[...grants.allZonesOf].map(allZonesText)];
    const reached =
      held.length > 0
        ? `the token's policies (read back) hold ${held.length} zone grant(s): ${describeZones(held.map((id) => ({ id })))}`
        : undefined;
    return { check: renderNoZones("policies", reached, ctx), sample: [] };
  }
  const views = await mapLimit(ctx.accounts, CONCURRENCY, (a) => listAccountZones(ctx.client, a, { firstPageOnly: true, perPage: 5 }));
  const failed = views.find((v) => v.error && v.error.kind !== "forbidden" && v.error.kind !== "unauthorized");
  if (failed?.error) {
    const d = diagnoseTransport(failed.error, "GET /zones");
    return { check: { id: ID, status: "fail", detail: d.detail, remedy: d.remedy }, sample: [] };
  }
  const seen = views.filter((v) => !v.error && zoneCount(v) > 0);
  const reached = seen.map((v) => `${zoneCount(v)} zone(s) of account ${v.accountId} (${describeZones(v.zones, 3)})`).join("; ");
  return { check: renderNoZones("listing", seen.length > 0 ? `the token sees ${reached}` : undefined, ctx), sample: [] };
}

function sampleOf(ctx: CoverageContext, zones: readonly ZoneSummary[]): ZoneSummary[] {
  const sorted = [...zones].sort(byName);
  return ctx.probeAllZones ? sorted : spreadSample(sorted, ZONE_SAMPLE_SIZE);
}

/** Chosen zones to probe: those the token reaches, else one known by ID so its answers say what is missing. */
function sampleFor(ctx: CoverageContext, held: readonly ZoneSummary[], chosen: readonly string[]): ZoneSummary[] {
  // A chosen zone the token does not reach is still probed: the answers tell a missing zone (403) from a missing "Zone Read" (2xx).
  return held.length > 0 ? sampleOf(ctx, held) : sampleOf(ctx, knownChosen(chosen, ctx.resolved)).slice(0, 1);
}

/**
 * Explicit zones. A token scoped to specific zones (its policies read back) is judged by what they
 * hold, without a call of its own; any other lists every page of what it sees per chosen account.
 */
async function coverageExplicit(ctx: CoverageContext, chosen: readonly string[]): Promise<CoverageResult> {
  const grants = ctx.readBack ? zoneGrants(ctx.readBack) : undefined;
  if (grants && !ctx.accounts.every((a) => listsZonesOf(grants, a))) {
    const decision = decideHeld(chosen, grants, ctx.resolved, ctx.accounts);
    const sample = sampleFor(ctx, decision.held, chosen);
    const names = decision.held.map((z) => z.name);
    return {
      check: renderChosen(decision, chosen.length, sample, ctx),
      sample,
      listing: unlistedZonesCheck(ctx, names),
      unlistedZones: names,
    };
  }
  const views = await mapLimit(ctx.accounts, CONCURRENCY, (a) => listAccountZones(ctx.client, a));
  if (views.some((v) => isZoneListRefusal(v.error))) return coverageBySample(ctx, chosen);
  const broken = views.find((v) => v.error);
  if (broken?.error) return { check: listFailure(broken, ctx), sample: sampleFor(ctx, [], chosen) };
  const decision = decideListed(
    chosen,
    views.flatMap((v) => v.zones),
  );
  const sample = sampleFor(ctx, decision.held, chosen);
  return { check: renderChosen(decision, chosen.length, sample, ctx), sample };
}

/**
 * The token cannot list zones and nothing read its policies (no provisioner): coverage rests on the
 * token itself, by ID or `?name=`, on a sample of the chosen zones (every one with probeAllZones).
 */
async function coverageBySample(ctx: CoverageContext, chosen: readonly string[]): Promise<CoverageResult> {
  const picked = ctx.probeAllZones ? [...chosen].sort() : spreadSample([...chosen].sort(), ZONE_SAMPLE_SIZE);
  const found = await mapLimit(picked, CONCURRENCY, async (ref): Promise<{ ref: string; zone?: ZoneSummary; error?: string }> => {
    try {
      if (HEX32.test(ref)) {
        // By ID: proves the token reaches the zone, and names it for the probes' ?name= lookup.
        const { result } = await ctx.client.get<{ name?: string; account?: { id?: string } }>(`/zones/${ref}`);
        return result?.name ? { ref, zone: { id: ref, name: result.name, accountId: result.account?.id ?? "" } } : { ref };
      }
      const page = await ctx.client.zonesPage({ name: ref, perPage: 5 });
      const zone = page.zones.find((z) => z.name === ref && (!z.accountId || ctx.accounts.includes(z.accountId)));
      return zone ? { ref, zone } : { ref };
    } catch (error) {
      return { ref, error: error instanceof Error ? error.message : String(error) };
    }
  });
  const reached = found.flatMap((f) => (f.zone ? [f.zone] : []));
  // None reached: probe a chosen zone by ID anyway, so each zone group's answer there says what is missing.
  const sample =
    reached.length > 0
      ? reached
      : picked
          .filter((ref) => HEX32.test(ref))
          .slice(0, 1)
          .map((id) => ({ id, name: id, accountId: "" }));
  const notFound = found.filter((f) => !f.zone);
  const names = [...chosen].sort();
  const result = { sample, listing: unlistedZonesCheck(ctx, names), unlistedZones: names };
  if (notFound.length > 0) {
    const refs = notFound.map((f) => `${f.ref}${f.error ? ` (${f.error})` : ""}`).join(", ");
    const byName = notFound.some((f) => !HEX32.test(f.ref))
      ? ' (a lookup by name needs "Zone Read": if it is missing, see probe:Zone Read)'
      : "";
    return {
      ...result,
      check: {
        id: ID,
        status: "fail",
        detail: `the token, asked for each chosen zone by ID or name, does not reach ${refs} in account(s) ${ctx.accounts.join(", ")}: it does not hold them, or they do not exist, so the platform gets no data for them${byName}`,
        remedy: `Add ${notFound.map((f) => f.ref).join(", ")} to the token's zone resources (${deployCommand(ctx.stack)} restores the planned ones), and check they exist.`,
      },
    };
  }
  const proven = `the token cannot list zones, so it was asked for ${reached.length} of the ${chosen.length} chosen zone(s) by ID or name: ${describeZones(reached)} (see probe:*)`;
  if (reached.length === chosen.length) return { ...result, check: { id: ID, status: "pass", detail: proven } };
  return {
    ...result,
    check: {
      id: ID,
      status: "warn",
      detail: `${proven}; the other ${chosen.length - reached.length} are unproven, and zones it holds beyond the chosen ones cannot be seen`,
      remedy:
        "Pass --provisioner-token-env <VAR> so the token's policies are read back and every zone is proven, or --probe-all-zones to ask for each one.",
    },
  };
}

async function coverageAll(ctx: CoverageContext, mode: CountedZones): Promise<CoverageResult> {
  const [tokenViews, accountViews] = await Promise.all([
    mapLimit(ctx.accounts, CONCURRENCY / 2, (a) => listAccountZones(ctx.client, a, { firstPageOnly: true })),
    ctx.provisioner
      ? mapLimit(ctx.accounts, CONCURRENCY / 2, (a) => listAccountZones(ctx.provisioner!, a, { firstPageOnly: true }))
      : Promise.resolve(undefined),
  ]);
  if (mode.kind === "unspecified" && tokenViews.some((v) => isZoneListRefusal(v.error))) return unspecifiedZoneScoped(ctx, mode);
  const broken = tokenViews.find((v) => v.error);
  if (broken) return { check: listFailure(broken, ctx), sample: [] };

  const counts: AccountCount[] = [];
  for (const [i, view] of tokenViews.entries()) {
    const account = accountViews?.[i];
    const sees = zoneCount(view);
    if (!account || account.error) {
      counts.push({ accountId: view.accountId, sees, ...(account?.error ? { uncounted: account.error.message } : {}) });
      continue;
    }
    const has = zoneCount(account);
    if (sees >= has) {
      counts.push({ accountId: view.accountId, sees, has });
      continue;
    }
    // Counts differ: read the remaining pages of both to name what is missing (only on this failure path).
    const [tokenAll, accountAll] = await Promise.all([completeView(ctx.client, view), completeView(ctx.provisioner!, account)]);
    const missing = accountAll.zones.filter((z) => !tokenAll.zones.some((t) => t.id === z.id));
    counts.push({ accountId: view.accountId, sees, has, missing });
  }
  // Listing proves every zone is visible; the zone groups are probed on one of them.
  const sample = [...tokenViews.flatMap((v) => v.zones)].sort(byName).slice(0, 1);
  return { check: renderCounts(counts, mode, ctx), sample };
}

/** No zones were specified and the token cannot list zones: it holds specific ones, which cannot be counted from here. */
function unspecifiedZoneScoped(ctx: CoverageContext, unnamed: UnnamedZones): CoverageResult {
  const ids = ctx.readBack ? [...zoneGrants(ctx.readBack).zones].sort() : [];
  const sample = sampleOf(
    ctx,
    ids.map((id) => ({ id, name: id, accountId: "" })),
  );
  const held =
    ids.length > 0
      ? `its policies hold ${ids.length} zone(s): ${describeZones(ids.map((id) => ({ id })))}`
      : "no provisioner read its policies to say which";
  return {
    check: {
      id: ID,
      status: "warn",
      detail: `the token holds specific zones and cannot list them (GET /zones answered 403 "requires permission 'com.cloudflare.api.account.zone.list'"); ${held} (no zones were specified)`,
      remedy: `Pass ${unnamed.nameWith} <names or IDs> to compare them with an exact list.`,
    },
    sample,
    listing: unlistedZonesCheck(ctx, ids),
    unlistedZones: ids,
  };
}
