import type { CloudflareClient, ZoneSummary } from "../cloudflare/client";
import { HEX32 } from "../domain/ids";
import { deployCommand, diagnoseTransport } from "./diagnose";
import type { ReadBack } from "./exactness";
import { CONCURRENCY, mapLimit } from "./limit";
import type { Check } from "./types";
import { ZONE_SAMPLE_SIZE, isZoneListRefusal, listsZonesOf, spreadSample, zoneGrants, type ZoneGrants } from "./zone-scope";
import { completeView, describeZones, listAccountZones, zoneCount, type ZoneView } from "./zones";

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

const ID = "coverage";

export type ZoneMode =
  | { readonly kind: "none" }
  | { readonly kind: "explicit"; readonly zones: readonly string[] }
  | { readonly kind: "all" }
  | { readonly kind: "unspecified" };

/** Chosen zone names resolved through the provisioner (verify-token.ts). */
export interface ResolvedZones {
  readonly byName: ReadonlyMap<string, string>;
  readonly byId: ReadonlyMap<string, string>;
  readonly accountById: ReadonlyMap<string, string>;
}

export interface CoverageContext {
  readonly client: CloudflareClient;
  readonly provisioner?: CloudflareClient;
  readonly accounts: readonly string[];
  readonly mode: ZoneMode;
  readonly profileText: string;
  readonly stack?: string;
  /** The token's policies as Cloudflare stores them (exactness read them with the provisioner). */
  readonly readBack?: ReadBack;
  readonly resolved?: ResolvedZones;
  /** Probe every chosen zone instead of a sample of ZONE_SAMPLE_SIZE. */
  readonly probeAllZones?: boolean;
}

export interface CoverageResult {
  readonly check: Check;
  /** Chosen zones to run the zone probes on (a bounded sample, or every one with probeAllZones). */
  readonly sample: readonly ZoneSummary[];
  /** The warning that the token cannot list zones, when it holds specific zones. */
  readonly listing?: Check;
  /** Zones the platform must be given by name because the token cannot list them. */
  readonly unlistedZones?: readonly string[];
}

const matches = (ref: string, zone: ZoneSummary) => ref === zone.id || ref === zone.name;

export async function checkCoverage(ctx: CoverageContext): Promise<CoverageResult> {
  switch (ctx.mode.kind) {
    case "none":
      return coverageNone(ctx);
    case "explicit":
      return coverageExplicit(ctx, ctx.mode.zones);
    default:
      return coverageAll(ctx, ctx.mode.kind === "all");
  }
}

/**
 * A profile that reads no zones: the token must see none. Its policies read back say so without a
 * call (a token lists zones only through a zone-scope grant); without them, it lists page 1 per account.
 */
async function coverageNone(ctx: CoverageContext): Promise<CoverageResult> {
  if (ctx.readBack) return zonesInPolicies(ctx, zoneGrants(ctx.readBack));
  const views = await mapLimit(ctx.accounts, CONCURRENCY, (a) => listAccountZones(ctx.client, a, { firstPageOnly: true, perPage: 5 }));
  const seen = views.filter((v) => !v.error && zoneCount(v) > 0);
  const failed = views.find((v) => v.error && v.error.kind !== "forbidden" && v.error.kind !== "unauthorized");
  if (failed?.error) {
    const d = diagnoseTransport(failed.error, "GET /zones");
    return { check: { id: ID, status: "fail", detail: d.detail, remedy: d.remedy }, sample: [] };
  }
  if (seen.length > 0) {
    const detail = seen.map((v) => `${zoneCount(v)} zone(s) of account ${v.accountId} (${describeZones(v.zones, 3)})`).join("; ");
    return {
      check: {
        id: ID,
        status: "fail",
        detail: `${ctx.profileText} reads no zones, yet the token sees ${detail}`,
        remedy: `Remove the zone resources and zone groups from the token (${deployCommand(ctx.stack)} restores the planned ones).`,
      },
      sample: [],
    };
  }
  return { check: { id: ID, status: "pass", detail: `${ctx.profileText} reads no zones, and the token sees none` }, sample: [] };
}

/** The zone grants of a token whose profile reads no zones, from its policies as Cloudflare stores them. */
function zonesInPolicies(ctx: CoverageContext, grants: ZoneGrants): CoverageResult {
  const held = [
    ...grants.zones,
    ...[...grants.allZonesOf].map((a) => (a === "*" ? "all zones of every account" : `all zones of account ${a}`)),
  ];
  if (held.length > 0) {
    return {
      check: {
        id: ID,
        status: "fail",
        detail: `${ctx.profileText} reads no zones, yet the token's policies (read back) hold ${held.length} zone grant(s): ${held.slice(0, 8).join(", ")}${held.length > 8 ? ` and ${held.length - 8} more` : ""}`,
        remedy: `Remove the zone resources and zone groups from the token (${deployCommand(ctx.stack)} restores the planned ones).`,
      },
      sample: [],
    };
  }
  return {
    check: { id: ID, status: "pass", detail: `${ctx.profileText} reads no zones, and the token's policies (read back) grant none` },
    sample: [],
  };
}

const byName = (a: ZoneSummary, b: ZoneSummary) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function sampleOf(ctx: CoverageContext, zones: readonly ZoneSummary[]): ZoneSummary[] {
  const sorted = [...zones].sort(byName);
  return ctx.probeAllZones ? sorted : spreadSample(sorted, ZONE_SAMPLE_SIZE);
}

function sampleText(sample: readonly ZoneSummary[], of: number): string {
  if (sample.length === 0) return "no zone to probe";
  return sample.length === of
    ? `probed on every one (see probe:*)`
    : `probed on a sample of ${sample.length}: ${describeZones(sample)} (see probe:*; --probe-all-zones probes every one)`;
}

/** Chosen zones whose ID is known (given by ID, or a name the provisioner resolved). */
function knownChosen(ctx: CoverageContext, chosen: readonly string[]): ZoneSummary[] {
  return chosen.flatMap((ref) => {
    const id = HEX32.test(ref) ? ref : ctx.resolved?.byName.get(ref);
    return id ? [{ id, name: ctx.resolved?.byId.get(id) ?? ref, accountId: ctx.resolved?.accountById.get(id) ?? "" }] : [];
  });
}

async function coverageExplicit(ctx: CoverageContext, chosen: readonly string[]): Promise<CoverageResult> {
  const grants = ctx.readBack ? zoneGrants(ctx.readBack) : undefined;
  if (grants && !ctx.accounts.every((a) => listsZonesOf(grants, a))) return coverageFromPolicies(ctx, chosen, grants);
  const views = await mapLimit(ctx.accounts, CONCURRENCY, (a) => listAccountZones(ctx.client, a));
  if (views.some((v) => isZoneListRefusal(v.error))) return coverageBySample(ctx, chosen);
  const broken = views.find((v) => v.error);
  if (broken?.error) return { check: listFailure(broken, ctx), sample: sampleOf(ctx, knownChosen(ctx, chosen)).slice(0, 1) };
  const visible = views.flatMap((v) => v.zones);
  const missing = chosen.filter((ref) => !visible.some((z) => matches(ref, z)));
  const extra = visible.filter((z) => !chosen.some((ref) => matches(ref, z)));
  const held = visible.filter((z) => chosen.some((ref) => matches(ref, z)));
  // A chosen zone the token does not list is still probed: the answers tell a missing zone (403) from a missing "Zone Read" (2xx).
  const sample = held.length > 0 ? sampleOf(ctx, held) : sampleOf(ctx, knownChosen(ctx, chosen)).slice(0, 1);
  const problems: string[] = [];
  const remedies: string[] = [];
  if (missing.length > 0) {
    const hint = visible.length === 0 ? ' (it lists no zone at all: "Zone Read" may be missing, see probe:Zone Read)' : "";
    problems.push(`the token does not see chosen zone(s) ${missing.join(", ")}, so the platform gets no data for them${hint}`);
    remedies.push(
      `Add ${missing.join(", ")} to the token's zone resources (${deployCommand(ctx.stack)} restores the planned ones); check the zone exists in account(s) ${ctx.accounts.join(", ")}.`,
    );
  }
  if (extra.length > 0) {
    problems.push(`the token also sees ${extra.length} zone(s) that were not chosen: ${describeZones(extra)}`);
    remedies.push(`Limit the token's zone resources to the chosen zones ("Specific zones", not "All zones").`);
  }
  if (problems.length > 0) return { sample, check: { id: ID, status: "fail", detail: problems.join("; "), remedy: remedies.join(" ") } };
  return {
    sample,
    check: {
      id: ID,
      status: "pass",
      detail: `the token sees exactly the ${chosen.length} chosen zone(s): ${describeZones(visible)}; ${sampleText(sample, held.length)}`,
    },
  };
}

/**
 * A token scoped to specific zones, its policies read back: the zones they hold against the chosen
 * ones (no call of the token's own), then a sample the probes use the token on.
 */
function coverageFromPolicies(ctx: CoverageContext, chosen: readonly string[], grants: ZoneGrants): CoverageResult {
  const resolved = ctx.resolved;
  const idOf = (ref: string) => (HEX32.test(ref) ? ref : resolved?.byName.get(ref));
  const nameOf = (id: string) => resolved?.byId.get(id) ?? id;
  const holds = (id: string) => {
    if (grants.zones.has(id) || grants.allZonesOf.has("*")) return true;
    const account = resolved?.accountById.get(id);
    return account ? grants.allZonesOf.has(account) : ctx.accounts.some((a) => grants.allZonesOf.has(a));
  };
  const unresolved = chosen.filter((ref) => !idOf(ref));
  const chosenIds = new Set(chosen.flatMap((ref) => idOf(ref) ?? []));
  const missing = [...chosenIds].filter((id) => !holds(id));
  const extraZones = [...grants.zones].filter((id) => !chosenIds.has(id));
  const extraAccounts = [...grants.allZonesOf];
  const held: ZoneSummary[] = [...chosenIds]
    .filter(holds)
    .map((id) => ({ id, name: nameOf(id), accountId: resolved?.accountById.get(id) ?? "" }))
    .sort(byName);
  const deploy = deployCommand(ctx.stack);

  const problems: string[] = [];
  const remedies: string[] = [];
  if (unresolved.length > 0) {
    problems.push(
      `chosen zone(s) ${unresolved.join(", ")} do not exist in account(s) ${ctx.accounts.join(", ")}, so the platform gets no data for them`,
    );
    remedies.push(`Check the spelling of ${unresolved.join(", ")} or use the zone IDs.`);
  }
  if (missing.length > 0) {
    const names = missing.map(nameOf);
    problems.push(`the token's policies do not hold chosen zone(s) ${names.join(", ")}, so the platform gets no data for them`);
    remedies.push(`Add ${names.join(", ")} to the token's zone resources (${deploy} restores the planned ones).`);
  }
  if (extraZones.length > 0 || extraAccounts.length > 0) {
    const extras = [
      ...extraZones.map(nameOf),
      ...extraAccounts.map((a) => (a === "*" ? "all zones of every account" : `all zones of account ${a}`)),
    ];
    problems.push(
      `the token also holds ${extras.length} zone grant(s) that were not chosen: ${extras.slice(0, 8).join(", ")}${extras.length > 8 ? ` and ${extras.length - 8} more` : ""}`,
    );
    remedies.push(`Limit the token's zone resources to the chosen zones (${deploy}).`);
  }
  const sample = held.length > 0 ? sampleOf(ctx, held) : sampleOf(ctx, knownChosen(ctx, chosen)).slice(0, 1);
  const names = held.map((z) => z.name);
  const listing = unlistedZonesCheck(ctx, names);
  const result = { sample, listing, unlistedZones: names };
  if (problems.length > 0) return { ...result, check: { id: ID, status: "fail", detail: problems.join("; "), remedy: remedies.join(" ") } };
  return {
    ...result,
    check: {
      id: ID,
      status: "pass",
      detail: `the token's policies (read back) hold exactly the ${chosen.length} chosen zone(s): ${describeZones(held)}; ${sampleText(sample, held.length)}`,
    },
  };
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

/** Warning: a token scoped to specific zones cannot list zones, so a platform that discovers zones by listing sees none. */
function unlistedZonesCheck(ctx: CoverageContext, names: readonly string[]): Check {
  return {
    id: "zone-listing",
    status: "warn",
    detail:
      `the token holds ${names.length} specific zone(s), not all zones of account(s) ${ctx.accounts.join(", ")}, so it cannot list zones: Cloudflare answers GET /zones ` +
      `without a name filter with 403 "requires permission 'com.cloudflare.api.account.zone.list'". A platform that discovers zones by listing them will see none (the guide's "No data returned" row)`,
    remedy: `Give the platform the zone names (${describeZones(names.map((name) => ({ id: name, name })))}; the hand-off sheet lists every one), or set zones: all on the connection so the token holds all zones of the account (${deployCommand(ctx.stack)}).`,
  };
}

async function coverageAll(ctx: CoverageContext, explicitAll: boolean): Promise<CoverageResult> {
  const [tokenViews, accountViews] = await Promise.all([
    mapLimit(ctx.accounts, CONCURRENCY / 2, (a) => listAccountZones(ctx.client, a, { firstPageOnly: true })),
    ctx.provisioner
      ? mapLimit(ctx.accounts, CONCURRENCY / 2, (a) => listAccountZones(ctx.provisioner!, a, { firstPageOnly: true }))
      : Promise.resolve(undefined),
  ]);
  if (!explicitAll && tokenViews.some((v) => isZoneListRefusal(v.error))) return unspecifiedZoneScoped(ctx);
  const broken = tokenViews.find((v) => v.error);
  if (broken) return { check: listFailure(broken, ctx), sample: [] };

  const lines: string[] = [];
  const missingAll: string[] = [];
  let status: Check["status"] = "pass";
  let remedy: string | undefined;
  for (const [i, view] of tokenViews.entries()) {
    const account = accountViews?.[i];
    const sees = zoneCount(view);
    if (!account || account.error) {
      lines.push(
        `account ${view.accountId}: the token sees ${sees} zone(s)${account?.error ? ` (the provisioner could not count them: ${account.error.message})` : ""}`,
      );
      if (sees === 0) {
        status = worse(status, "warn");
        remedy ??= `Add the zones the platform should read to the token's zone resources (${deployCommand(ctx.stack)}).`;
      }
      continue;
    }
    const has = zoneCount(account);
    if (sees >= has) {
      lines.push(`account ${view.accountId}: the token sees all ${has} zone(s)`);
      continue;
    }
    // Counts differ: read the remaining pages of both to name what is missing (only on this failure path).
    const [tokenAll, accountAll] = await Promise.all([completeView(ctx.client, view), completeView(ctx.provisioner!, account)]);
    const missing = accountAll.zones.filter((z) => !tokenAll.zones.some((t) => t.id === z.id));
    missingAll.push(...missing.map((z) => z.name));
    lines.push(`account ${view.accountId}: the token sees ${sees} of ${has} zone(s); missing ${describeZones(missing)}`);
    status = worse(status, explicitAll ? "fail" : "warn");
    remedy = explicitAll
      ? `The connection chose all zones: give the token all zones of the account (nested com.cloudflare.api.account.zone.* under the account) or add ${describeZones(missing, 3)} (${deployCommand(ctx.stack)}).`
      : `If the platform should read ${describeZones(missing, 3)}, add them to the token's zone resources; pass --zones to check an exact list.`;
  }
  // Listing proves every zone is visible; the zone groups are probed on one of them.
  const sample = [...tokenViews.flatMap((v) => v.zones)].sort(byName).slice(0, 1);
  const note = explicitAll ? "" : " (no zones were specified; pass --zones to compare with an exact list)";
  return {
    check: { id: ID, status, detail: `${lines.join("; ")}${note}`, ...(status !== "pass" && remedy ? { remedy } : {}) },
    sample,
  };
}

/** No zones were specified and the token cannot list zones: it holds specific ones, which cannot be counted from here. */
function unspecifiedZoneScoped(ctx: CoverageContext): CoverageResult {
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
      remedy: "Pass --zones <names or IDs> to compare them with an exact list.",
    },
    sample,
    listing: unlistedZonesCheck(ctx, ids),
    unlistedZones: ids,
  };
}

function listFailure(view: ZoneView, ctx: CoverageContext): Check {
  const error = view.error!;
  if (isZoneListRefusal(error)) {
    return {
      id: ID,
      status: "fail",
      detail: `GET /zones?account.id=${view.accountId} answered ${error.message}: the token holds only some zones of account ${view.accountId}, and the connection chose all of them`,
      remedy: `Give the token all zones of the account (nested com.cloudflare.api.account.zone.* under com.cloudflare.api.account.${view.accountId}; ${deployCommand(ctx.stack)} restores the planned resources).`,
    };
  }
  if (error.kind === "forbidden") {
    return {
      id: ID,
      status: "fail",
      detail: `GET /zones?account.id=${view.accountId} answered ${error.message}: the token cannot list the zones of account ${view.accountId}, so the platform gets no zone data`,
      remedy: `Give the token "Zone Read" (zone scope) on the chosen zones (${deployCommand(ctx.stack)} restores the planned groups).`,
    };
  }
  const d = diagnoseTransport(error, `GET /zones?account.id=${view.accountId}`);
  return { id: ID, status: "fail", detail: d.detail, remedy: d.remedy };
}

const RANK = { pass: 0, skip: 1, warn: 2, fail: 3 } as const;
function worse(a: Check["status"], b: Check["status"]): Check["status"] {
  return RANK[a] >= RANK[b] ? a : b;
}
