import { endpointPermission, probesFor, type EndpointPermission } from "../cloudflare/endpoint-permissions";
import { isReadOnlyGroup } from "../cloudflare/permission-groups";
import { CloudflareApiError, documentationHint, type CloudflareClient, type Query, type ZoneSummary } from "../cloudflare/client";
import { deployCommand, diagnoseTransport } from "./diagnose";
import { CONCURRENCY, limiter } from "./limit";
import type { Check } from "./types";
import { describeZones } from "./zones";
import { describeGroup, groupKey, type PermissionGroupRef } from "../domain/permission-group";

/**
 * Check 4, the ASCERA guide's "Insufficient permissions" row: one read-only GET per permission
 * group, picked from the endpoint→groups table (`probesFor`, most specific first). Account-scope
 * routes run on each chosen account, user routes once, zone routes on the sample of chosen zones
 * coverage picked: the zone groups take the sample's zones in turn, so up to one zone per zone group
 * is proven at no extra cost; a sampled zone no group lands on gets one GET /zones/{zone_id}.
 * Identical requests are sent once. Cost: groups × accounts + sampled zones beyond the zone groups,
 * never groups × zones.
 */

/** Values for path parameters that name no object of the user's (the reference's own examples). */
const FIXED_PARAMETERS: Readonly<Record<string, string>> = {
  setting_id: "always_online",
  ruleset_phase: "http_request_firewall_managed",
};

/** A zone known only by its ID cannot be looked up by name: "Zone Read" is then probed on the zone's details. */
const ZONE_DETAILS = endpointPermission("GET", "/zones/{zone_id}");

export interface ProbeContext {
  readonly client: CloudflareClient;
  readonly groups: readonly PermissionGroupRef[];
  readonly accounts: readonly string[];
  /** The chosen zones to probe on (coverage's sample); empty when none is known. */
  readonly zones: readonly ZoneSummary[];
  /** Why zone routes cannot be probed (no chosen zone is visible). */
  readonly zoneSkipReason?: string;
  readonly stack?: string;
  readonly concurrency?: number;
  /** Whether this run reads the token's groups back (exactness): then a remedy points there, not at a flag. */
  readonly readsGroupsBack: boolean;
}

interface Target {
  readonly label: string;
  readonly path: string;
  readonly query?: Query;
  /** List routes answer 200 with an empty list when the token lacks the group: the item must be listed. */
  readonly mustList?: string;
}

type Outcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown };

/** The first route whose parameters we can fill: account, zone, or a fixed example value. */
export function probeRoute(group: PermissionGroupRef): EndpointPermission | undefined {
  return probesFor(group).find((row) =>
    [...row.path.matchAll(/\{(\w+)\}/g)].every(
      ([, name]) => name === "account_id" || name === "zone_id" || FIXED_PARAMETERS[name!] !== undefined,
    ),
  );
}

function fill(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? FIXED_PARAMETERS[name] ?? `{${name}}`));
}

export async function runProbes(ctx: ProbeContext): Promise<Check[]> {
  const limit = limiter(ctx.concurrency ?? CONCURRENCY);
  const sent = new Map<string, Promise<Outcome>>();
  const send = (target: Target): Promise<Outcome> => {
    const key = `${target.path}?${new URLSearchParams(target.query as Record<string, string> | undefined).toString()}`;
    let outcome = sent.get(key);
    if (!outcome) {
      outcome = limit(() => ctx.client.get(target.path, target.query)).then(
        (envelope): Outcome => ({ ok: true, result: envelope.result }),
        (error: unknown): Outcome => ({ ok: false, error }),
      );
      sent.set(key, outcome);
    }
    return outcome;
  };

  const nameCount = new Map<string, number>();
  for (const g of ctx.groups) nameCount.set(g.name, (nameCount.get(g.name) ?? 0) + 1);
  const idFor = (g: PermissionGroupRef) => `probe:${g.name}${(nameCount.get(g.name) ?? 0) > 1 ? ` (${g.scope.split(".").pop()})` : ""}`;
  const planned = new Set(ctx.groups.map(groupKey));
  const deploy = deployCommand(ctx.stack);

  const unprobed: PermissionGroupRef[] = [];
  const pending: Promise<Check>[] = [];
  let zoneTurn = 0;
  const nextZone = (): ZoneSummary | undefined => ctx.zones[zoneTurn++ % Math.max(1, ctx.zones.length)];
  // A zone known only by its ID cannot be looked up by name.
  const hasName = (zone: ZoneSummary) => zone.name !== "" && zone.name !== zone.id;
  for (const group of ctx.groups) {
    const route = probeRoute(group);
    if (!route) {
      unprobed.push(group);
      continue;
    }
    let targets: Target[];
    if (route.resource === "account") {
      targets = ctx.accounts.map((account) => ({ label: `account ${account}`, path: fill(route.path, { account_id: account }) }));
    } else if (route.resource === "zone" || route.path === "/zones") {
      const zone = nextZone();
      if (!zone) {
        pending.push(
          Promise.resolve({
            id: idFor(group),
            status: "skip",
            detail: `not probed: ${ctx.zoneSkipReason ?? "no zone to probe on"}`,
            remedy: "Fix the coverage check first; zone groups are probed on chosen zones the token holds.",
          }),
        );
        continue;
      }
      if (route.path === "/zones" && hasName(zone)) {
        // GET /zones?name= lists only a zone the token may read (a token scoped to specific zones cannot list without the name): proven when it lists the zone.
        pending.push(
          probeGroup(group, route, [
            { label: `zone ${zone.name}`, path: route.path, query: { name: zone.name, per_page: 5 }, mustList: zone.id },
          ]),
        );
        continue;
      }
      const zoneRoute = route.path === "/zones" ? ZONE_DETAILS : route;
      pending.push(probeGroup(group, zoneRoute, [{ label: `zone ${zone.name}`, path: fill(zoneRoute.path, { zone_id: zone.id }) }]));
      continue;
    } else {
      targets = [{ label: route.resource === "user" ? "the user" : "", path: route.path }];
    }
    pending.push(probeGroup(group, route, targets));
  }

  async function probeGroup(group: PermissionGroupRef, route: EndpointPermission, targets: Target[]): Promise<Check> {
    const outcomes = await Promise.all(targets.map(async (t) => ({ target: t, outcome: await send(t) })));
    const where = (ts: Target[]) =>
      ts
        .map((t) => t.label)
        .filter(Boolean)
        .join(", ");
    const failures = outcomes.filter((o) => !o.outcome.ok) as { target: Target; outcome: { ok: false; error: unknown } }[];
    const unlisted = outcomes.filter(
      (o) =>
        o.outcome.ok &&
        o.target.mustList !== undefined &&
        !(Array.isArray(o.outcome.result) && o.outcome.result.some((item) => (item as { id?: unknown })?.id === o.target.mustList)),
    );
    if (failures.length === 0 && unlisted.length > 0) {
      const on = where(unlisted.map((u) => u.target));
      return {
        id: idFor(group),
        status: "fail",
        detail: `GET ${route.path} answered 2xx but does not list ${on}: the token lacks ${describeGroup(group)} there (a list leaves out what a token cannot read)`,
        remedy: `Add ${describeGroup(group)} for ${on} to the token (${deploy} restores the planned groups and resources).`,
      };
    }
    const shared = route.groups.filter((g) => groupKey(g) !== groupKey(group) && planned.has(groupKey(g)) && isReadOnlyGroup(g));
    const id = idFor(group);
    const routeText = `GET ${route.path}`;
    if (failures.length === 0) {
      const on = where(targets);
      const others = shared.length <= 2 ? shared.map((g) => `"${g.name}"`).join(" and ") : `${shared.length} other planned groups`;
      const note = shared.length > 0 ? ` (also granted by ${others}: proves at least one of them; exactness names each)` : "";
      return { id, status: "pass", detail: `${routeText} answered 2xx${on ? ` on ${on}` : ""}${note}` };
    }
    const forbidden = failures.filter((f) => f.outcome.error instanceof CloudflareApiError && f.outcome.error.kind === "forbidden");
    if (forbidden.length > 0) {
      const on = where(forbidden.map((f) => f.target));
      const err = forbidden[0]!.outcome.error as CloudflareApiError;
      return {
        id,
        status: "fail",
        detail: `${routeText} answered ${err.message}${on ? ` on ${on}` : ""}: the token lacks ${describeGroup(group)}${on ? ` there` : ""}`,
        remedy: `Add ${describeGroup(group)}${on ? ` for ${on}` : ""} to the token (${deploy} restores the planned groups and resources).${documentationHint(err)}`,
      };
    }
    const notFound = failures.find((f) => f.outcome.error instanceof CloudflareApiError && f.outcome.error.kind === "not_found");
    if (notFound && failures.length === 1) {
      return {
        id,
        status: "warn",
        detail: `${routeText} answered 404 on ${notFound.target.label || "the API"}: inconclusive (the object may not exist there)`,
        remedy: ctx.readsGroupsBack
          ? `The exactness check reads ${describeGroup(group)} back from the token's details.`
          : `Check ${describeGroup(group)} in the token's details (--provisioner-token-env enables that check).`,
      };
    }
    const first = failures[0]!;
    if (first.outcome.error instanceof CloudflareApiError && first.outcome.error.kind === "unauthorized") {
      return {
        id,
        status: "fail",
        detail: `${routeText} answered ${first.outcome.error.message}: the token was rejected mid-run`,
        remedy: "See the liveness check; re-run cfct verify.",
      };
    }
    const d = diagnoseTransport(first.outcome.error, `${routeText}${first.target.label ? ` on ${first.target.label}` : ""}`);
    return { id, status: "fail", detail: d.detail, remedy: d.remedy };
  }

  const unvisited = ctx.zones.slice(zoneTurn);
  if (unvisited.length > 0) pending.push(probeReach(unvisited));

  /** The sampled zones no zone group landed on: one GET /zones/{zone_id} each proves the token reaches them. */
  async function probeReach(zones: readonly ZoneSummary[]): Promise<Check> {
    const outcomes = await Promise.all(
      zones.map(async (zone) => ({
        zone,
        outcome: await send({ label: `zone ${zone.name}`, path: `/zones/${encodeURIComponent(zone.id)}` }),
      })),
    );
    const refused = outcomes.filter((o) => !o.outcome.ok);
    if (refused.length === 0)
      return { id: "probe:zones", status: "pass", detail: `GET /zones/{zone_id} answered 2xx on ${describeZones(zones)}` };
    const forbidden = refused.filter(
      (o) => !o.outcome.ok && o.outcome.error instanceof CloudflareApiError && o.outcome.error.kind === "forbidden",
    );
    if (forbidden.length === refused.length) {
      const names = describeZones(forbidden.map((o) => o.zone));
      return {
        id: "probe:zones",
        status: "fail",
        detail: `GET /zones/{zone_id} was refused on ${names}: the token does not reach ${forbidden.length === 1 ? "that zone" : "those zones"}`,
        remedy: `Add ${names} to the token's zone resources (${deploy} restores the planned ones).`,
      };
    }
    const first = refused[0]!;
    const d = diagnoseTransport(first.outcome.ok ? undefined : first.outcome.error, `GET /zones/{zone_id} on zone ${first.zone.name}`);
    return { id: "probe:zones", status: "fail", detail: d.detail, remedy: d.remedy };
  }

  const checks = await Promise.all(pending);
  if (unprobed.length > 0) {
    checks.push({
      id: "probe:unprobed",
      status: "skip",
      detail: `${unprobed.length} group(s) have no read-only probe in the endpoint table: ${unprobed.map((g) => g.name).join(", ")}`,
      remedy: ctx.readsGroupsBack
        ? "Their presence is proven by the exactness check."
        : "Their presence is proven by the exactness check (--provisioner-token-env).",
    });
  }
  return checks;
}
