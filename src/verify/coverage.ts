import type { CloudflareClient, ZoneSummary } from "../cloudflare/client";
import { deployCommand, diagnoseTransport } from "./diagnose";
import { CONCURRENCY, mapLimit } from "./limit";
import type { Check } from "./types";
import { completeView, describeZones, listAccountZones, zoneCount, type ZoneView } from "./zones";

/**
 * Check 5, the ASCERA guide's "No data returned" row: the zones the token can see versus the zones
 * chosen. Cost grows with pages of zones (50 per call), never with zones × groups:
 *  - explicit zones: every page of what the token sees per chosen account (a least-privilege
 *    token sees only the chosen zones, so usually one page);
 *  - `all` / unspecified: page 1 per account from the token and from the provisioner, comparing
 *    `total_count`; only when the counts differ are the remaining pages read, to name the zones.
 */

const ID = "coverage";

export type ZoneMode =
  | { readonly kind: "none" }
  | { readonly kind: "explicit"; readonly zones: readonly string[] }
  | { readonly kind: "all" }
  | { readonly kind: "unspecified" };

export interface CoverageContext {
  readonly client: CloudflareClient;
  readonly provisioner?: CloudflareClient;
  readonly accounts: readonly string[];
  readonly mode: ZoneMode;
  readonly profileText: string;
  readonly stack?: string;
}

export interface CoverageResult {
  readonly check: Check;
  /** Every zone the token was seen to reach in the chosen accounts (possibly a first page only). */
  readonly visible: readonly ZoneSummary[];
  /** A chosen zone the token sees, for zone-scope probes. */
  readonly representative?: ZoneSummary;
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

async function coverageNone(ctx: CoverageContext): Promise<CoverageResult> {
  const views = await mapLimit(ctx.accounts, CONCURRENCY, (a) => listAccountZones(ctx.client, a, { firstPageOnly: true, perPage: 5 }));
  const seen = views.filter((v) => !v.error && zoneCount(v) > 0);
  const failed = views.find((v) => v.error && v.error.kind !== "forbidden" && v.error.kind !== "unauthorized");
  if (failed?.error) {
    const d = diagnoseTransport(failed.error, "GET /zones");
    return { check: { id: ID, status: "fail", detail: d.detail, remedy: d.remedy }, visible: [] };
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
      visible: seen.flatMap((v) => v.zones),
    };
  }
  return { check: { id: ID, status: "pass", detail: `${ctx.profileText} reads no zones, and the token sees none` }, visible: [] };
}

async function coverageExplicit(ctx: CoverageContext, chosen: readonly string[]): Promise<CoverageResult> {
  const views = await mapLimit(ctx.accounts, CONCURRENCY, (a) => listAccountZones(ctx.client, a));
  const broken = views.find((v) => v.error);
  if (broken?.error) return { check: listFailure(broken, ctx), visible: views.flatMap((v) => v.zones) };
  const visible = views.flatMap((v) => v.zones);
  const missing = chosen.filter((ref) => !visible.some((z) => matches(ref, z)));
  const extra = visible.filter((z) => !chosen.some((ref) => matches(ref, z)));
  const representative = [...visible].filter((z) => chosen.some((ref) => matches(ref, z))).sort((a, b) => (a.name < b.name ? -1 : 1))[0];
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
  const base = { visible, ...(representative ? { representative } : {}) };
  if (problems.length > 0) return { ...base, check: { id: ID, status: "fail", detail: problems.join("; "), remedy: remedies.join(" ") } };
  return { ...base, check: { id: ID, status: "pass", detail: `the token sees exactly the ${chosen.length} chosen zone(s): ${describeZones(visible)}` } };
}

async function coverageAll(ctx: CoverageContext, explicitAll: boolean): Promise<CoverageResult> {
  const [tokenViews, accountViews] = await Promise.all([
    mapLimit(ctx.accounts, CONCURRENCY / 2, (a) => listAccountZones(ctx.client, a, { firstPageOnly: true })),
    ctx.provisioner ? mapLimit(ctx.accounts, CONCURRENCY / 2, (a) => listAccountZones(ctx.provisioner!, a, { firstPageOnly: true })) : Promise.resolve(undefined),
  ]);
  const broken = tokenViews.find((v) => v.error);
  if (broken) return { check: listFailure(broken, ctx), visible: tokenViews.flatMap((v) => v.zones) };

  const lines: string[] = [];
  const missingAll: string[] = [];
  let status: Check["status"] = "pass";
  let remedy: string | undefined;
  for (const [i, view] of tokenViews.entries()) {
    const account = accountViews?.[i];
    const sees = zoneCount(view);
    if (!account || account.error) {
      lines.push(`account ${view.accountId}: the token sees ${sees} zone(s)${account?.error ? ` (the provisioner could not count them: ${account.error.message})` : ""}`);
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
  const visible = tokenViews.flatMap((v) => v.zones);
  const representative = [...visible].sort((a, b) => (a.name < b.name ? -1 : 1))[0];
  const note = explicitAll ? "" : " (no zones were specified; pass --zones to compare with an exact list)";
  return {
    check: { id: ID, status, detail: `${lines.join("; ")}${note}`, ...(status !== "pass" && remedy ? { remedy } : {}) },
    visible,
    ...(representative ? { representative } : {}),
  };
}

function listFailure(view: ZoneView, ctx: CoverageContext): Check {
  const error = view.error!;
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
