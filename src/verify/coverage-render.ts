import type { ZoneSummary } from "../cloudflare/client";
import { deployCommand, diagnoseTransport } from "./diagnose";
import type { ChosenZonesDecision } from "./coverage-decide";
import type { Check, CountedZones, CoverageContext } from "./types";
import { isZoneListRefusal } from "./zone-scope";
import { describeZones, type ZoneView } from "./zones";

/** How coverage's findings read: the decisions of coverage-decide.ts, and the failures of listing zones. */

export const ID = "coverage";

type Wording = Pick<CoverageContext, "accounts" | "stack">;

/** The chosen zones against what the token reaches, worded by how that was learnt. */
export function renderChosen(decision: ChosenZonesDecision, chosen: number, sample: readonly ZoneSummary[], ctx: Wording): Check {
  const { unresolved, missing, extra, held } = decision;
  const byPolicies = decision.evidence === "policies";
  const deploy = deployCommand(ctx.stack);
  const accounts = ctx.accounts.join(", ");
  const problems: string[] = [];
  const remedies: string[] = [];
  if (unresolved.length > 0) {
    problems.push(`chosen zone(s) ${unresolved.join(", ")} do not exist in account(s) ${accounts}, so the platform gets no data for them`);
    remedies.push(`Check the spelling of ${unresolved.join(", ")} or use the zone IDs.`);
  }
  if (missing.length > 0) {
    const hint = decision.seesNothing ? ' (it lists no zone at all: "Zone Read" may be missing, see probe:Zone Read)' : "";
    const reach = byPolicies ? "the token's policies do not hold" : "the token does not see";
    problems.push(`${reach} chosen zone(s) ${missing.join(", ")}, so the platform gets no data for them${hint}`);
    const exists = byPolicies ? "" : `; check the zone exists in account(s) ${accounts}`;
    remedies.push(`Add ${missing.join(", ")} to the token's zone resources (${deploy} restores the planned ones)${exists}.`);
  }
  if (extra.length > 0) {
    const named = describeZones(extra.map((name) => ({ id: name, name })));
    problems.push(
      `the token also ${byPolicies ? "holds" : "sees"} ${extra.length} ${byPolicies ? "zone grant(s)" : "zone(s)"} that were not chosen: ${named}`,
    );
    remedies.push(`Limit the token's zone resources to the chosen zones (${byPolicies ? deploy : '"Specific zones", not "All zones"'}).`);
  }
  if (problems.length > 0) return { id: ID, status: "fail", detail: problems.join("; "), remedy: remedies.join(" ") };
  const reaches = byPolicies ? "the token's policies (read back) hold" : "the token sees";
  return {
    id: ID,
    status: "pass",
    detail: `${reaches} exactly the ${chosen} chosen zone(s): ${describeZones(held)}; ${sampleText(sample, held.length)}`,
  };
}

/** A profile that reads no zones: the token must reach none. `reached` says what it reaches, when it reaches any. */
export function renderNoZones(
  evidence: ChosenZonesDecision["evidence"],
  reached: string | undefined,
  ctx: Wording & Pick<CoverageContext, "profileText">,
): Check {
  const { profileText } = ctx;
  if (reached === undefined) {
    const none = evidence === "policies" ? "the token's policies (read back) grant none" : "the token sees none";
    return { id: ID, status: "pass", detail: `${profileText} reads no zones, and ${none}` };
  }
  return {
    id: ID,
    status: "fail",
    detail: `${profileText} reads no zones, yet ${reached}`,
    remedy: `Remove the zone resources and zone groups from the token (${deployCommand(ctx.stack)} restores the planned ones).`,
  };
}

export function sampleText(sample: readonly ZoneSummary[], of: number): string {
  if (sample.length === 0) return "no zone to probe";
  return sample.length === of
    ? `probed on every one (see probe:*)`
    : `probed on a sample of ${sample.length}: ${describeZones(sample)} (see probe:*; --probe-all-zones probes every one)`;
}

/** Warning: a token scoped to specific zones cannot list zones, so a platform that discovers zones by listing sees none. */
export function unlistedZonesCheck(ctx: Wording, names: readonly string[]): Check {
  return {
    id: "zone-listing",
    status: "warn",
    detail:
      `the token holds ${names.length} specific zone(s), not all zones of account(s) ${ctx.accounts.join(", ")}, so it cannot list zones: Cloudflare answers GET /zones ` +
      `without a name filter with 403 "requires permission 'com.cloudflare.api.account.zone.list'". A platform that discovers zones by listing them will see none (the guide's "No data returned" row)`,
    remedy: `Give the platform the zone names (${describeZones(names.map((name) => ({ id: name, name })))}; the hand-off sheet lists every one), or set zones: all on the connection so the token holds all zones of the account (${deployCommand(ctx.stack)}).`,
  };
}

/** A listing of one account's zones that failed. */
export function listFailure(view: ZoneView, ctx: Wording): Check {
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

/** One chosen account: the zones the token sees against those the account holds (the provisioner's count). */
export interface AccountCount {
  readonly accountId: string;
  readonly sees: number;
  /** Absent when no provisioner counted them. */
  readonly has?: number;
  /** Why the provisioner could not count them. */
  readonly uncounted?: string;
  /** The zones the token misses, named from complete listings (read only when the counts differ). */
  readonly missing?: readonly ZoneSummary[];
}

/** `all` or unspecified zones: per account, whether the token sees every zone. Missing zones fail when all were chosen. */
export function renderCounts(counts: readonly AccountCount[], mode: CountedZones, ctx: Wording): Check {
  const explicitAll = mode.kind === "all";
  const lines: string[] = [];
  let status: Check["status"] = "pass";
  let remedy: string | undefined;
  for (const { accountId, sees, has, uncounted, missing } of counts) {
    if (has === undefined) {
      lines.push(
        `account ${accountId}: the token sees ${sees} zone(s)${uncounted ? ` (the provisioner could not count them: ${uncounted})` : ""}`,
      );
      if (sees === 0) {
        status = worse(status, "warn");
        remedy ??= `Add the zones the platform should read to the token's zone resources (${deployCommand(ctx.stack)}).`;
      }
    } else if (!missing) lines.push(`account ${accountId}: the token sees all ${has} zone(s)`);
    else {
      lines.push(`account ${accountId}: the token sees ${sees} of ${has} zone(s); missing ${describeZones(missing)}`);
      status = worse(status, explicitAll ? "fail" : "warn");
      remedy = explicitAll
        ? `The connection chose all zones: give the token all zones of the account (nested com.cloudflare.api.account.zone.* under the account) or add ${describeZones(missing, 3)} (${deployCommand(ctx.stack)}).`
        : `If the platform should read ${describeZones(missing, 3)}, add them to the token's zone resources; pass ${mode.nameWith} to check an exact list.`;
    }
  }
  const note = mode.kind === "all" ? "" : ` (no zones were specified; pass ${mode.nameWith} to compare with an exact list)`;
  return { id: ID, status, detail: `${lines.join("; ")}${note}`, ...(status !== "pass" && remedy ? { remedy } : {}) };
}

const RANK = { pass: 0, skip: 1, warn: 2, fail: 3 } as const;
function worse(a: Check["status"], b: Check["status"]): Check["status"] {
  return RANK[a] >= RANK[b] ? a : b;
}
