import type { EndpointPermission } from "../../cloudflare/endpoint-permissions";
import type { FixtureZone } from "../fixture/schema";
import { paginate } from "../http/pagination";
import { refuse } from "../http/refusals";
import { replyWith, replyWithPage, type Route, type RouteBuilders, type RouteContext } from "../http/route";
import type { SandboxState } from "../state";

const NAME_SERVERS = ["ada", "bob", "cruz", "dina", "elle", "fred", "gail", "hank", "ivy", "jake"];
const PLAN_NAMES = { free: "Free Website", pro: "Pro Website", business: "Business Website", enterprise: "Enterprise Website" } as const;
const PAGE_RULE_QUOTA = { free: 3, pro: 20, business: 50, enterprise: 125 } as const;

/** zones_zone, with the plan and status fields the live API and SDK also carry. */
function zoneView(zone: FixtureZone, state: SandboxState) {
  const account = state.inventory.account(zone.account_id)!;
  // Two name servers picked from the zone ID, so each zone keeps its own pair.
  const pick = (offset: number) =>
    `${NAME_SERVERS[parseInt(zone.id.slice(offset, offset + 2), 16) % NAME_SERVERS.length]}.ns.cloudflare.com`;
  return {
    id: zone.id,
    name: zone.name,
    status: zone.status,
    paused: false,
    type: "full",
    development_mode: 0,
    name_servers: [...new Set([pick(0), pick(2)])],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    vanity_name_servers: [],
    created_on: zone.created_on,
    modified_on: zone.created_on,
    activated_on: zone.status === "active" ? zone.created_on : null,
    meta: {
      step: 2,
      custom_certificate_quota: zone.plan === "enterprise" ? 10 : 0,
      page_rule_quota: PAGE_RULE_QUOTA[zone.plan],
      phishing_detected: false,
    },
    owner: { id: state.inventory.user.id, type: "user", name: state.inventory.user.email },
    account: { id: account.id, name: account.name },
    plan: {
      id: zone.plan,
      name: PLAN_NAMES[zone.plan],
      price: 0,
      currency: "USD",
      frequency: "",
      is_subscribed: true,
      can_subscribe: false,
      legacy_id: zone.plan,
      legacy_discount: false,
      externally_managed: false,
    },
  };
}

/**
 * The `name` filter's operators (OpenAPI zones-get): `equal` (default), `not_equal`, `starts_with`,
 * `ends_with`, `contains`, each case-insensitive unless suffixed `_case_sensitive`.
 */
function nameMatcher(filter: string): (name: string) => boolean {
  const [, operator = "equal", operand = filter] = /^([a-z_]+):(.*)$/.exec(filter) ?? [];
  const caseSensitive = operator.endsWith("_case_sensitive");
  const fold = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const wanted = fold(operand);
  const tests: Record<string, (name: string) => boolean> = {
    equal: (n) => n === wanted,
    not_equal: (n) => n !== wanted,
    starts_with: (n) => n.startsWith(wanted),
    ends_with: (n) => n.endsWith(wanted),
    contains: (n) => n.includes(wanted),
  };
  const test = tests[operator.replace(/_case_sensitive$/, "")] ?? ((n: string) => n === fold(filter));
  return (name) => test(fold(name));
}

type ZoneField = (zone: FixtureZone, state: SandboxState) => string;

const FIELDS: Readonly<Record<string, ZoneField>> = {
  name: (z) => z.name,
  status: (z) => z.status,
  "account.id": (z) => z.account_id,
  "account.name": (z, state) => state.inventory.account(z.account_id)!.name,
  "plan.id": (z) => z.plan,
};

/** The query's filters (`name`, `status`, `account.id`, `account.name`), combined by `match` (all | any). */
function zoneFilter(query: URLSearchParams, state: SandboxState): (zone: FixtureZone) => boolean {
  const filters: ((zone: FixtureZone) => boolean)[] = [];
  const name = query.get("name");
  if (name !== null) {
    const matches = nameMatcher(name);
    filters.push((z) => matches(z.name));
  }
  for (const param of ["status", "account.id", "account.name"]) {
    const wanted = query.get(param);
    if (wanted !== null) filters.push((z) => FIELDS[param]!(z, state) === wanted);
  }
  if (filters.length === 0) return () => true;
  return query.get("match") === "any" ? (z) => filters.some((f) => f(z)) : (z) => filters.every((f) => f(z));
}

/** `order` (default name) and `direction`, sorting `zones` in place (callers pass a fresh array); the inventory is already sorted by name. */
function ordered(zones: FixtureZone[], query: URLSearchParams, state: SandboxState): FixtureZone[] {
  const field = FIELDS[query.get("order") ?? "name"] ?? FIELDS.name!;
  const sorted =
    field === FIELDS.name
      ? zones
      : zones.sort((a, b) => {
          const x = field(a, state);
          const y = field(b, state);
          return x < y ? -1 : x > y ? 1 : 0;
        });
  return query.get("direction") === "desc" ? sorted.reverse() : sorted;
}

/** `?name=<zone>` (operator `equal`, the default) that the other filters cannot widen with `match=any`. */
function isExactNameLookup(query: URLSearchParams): boolean {
  const name = query.get("name");
  if (name === null || query.get("match") === "any") return false;
  const operator = /^([a-z_]+):/.exec(name)?.[1] ?? "equal";
  return operator === "equal" || operator === "equal_case_sensitive";
}

/**
 * Behaviour `zoneListing=refuse` (FIDELITY.md): anything but an exact name lookup needs all zones of
 * every account whose zones the query would list. A token holding all zones of one account and
 * some zones of another is refused an unfiltered list too (our reading: the rule is per account,
 * and a list silently missing one account's zones would read as "that account has no zones").
 */
function refuseListingWithoutAllZones(
  context: RouteContext,
  state: SandboxState,
  endpoint: EndpointPermission,
  matchesQuery: (zone: FixtureZone) => boolean,
): void {
  if (state.behaviours.zoneListing !== "refuse" || isExactNameLookup(context.query)) return;
  const { authorizer } = state;
  const listed = new Set(state.inventory.zones.filter(matchesQuery).map((zone) => zone.account_id));
  for (const accountId of listed) {
    if (authorizer.reachesAccount(context.token, accountId) && !authorizer.holdsAllZonesOf(context.token, endpoint, accountId)) {
      throw refuse.zoneListNotPermitted(context.token.id, endpoint);
    }
  }
}

export function zoneRoutes(state: SandboxState, routes: RouteBuilders): Route[] {
  return [
    // Lists only the zones on which the token holds a group that grants GET /zones (zoneListing=filter,
    // or an exact name lookup); zoneListing=refuse refuses a wider list to a token without all zones.
    routes.filteredList("GET", "/zones", (context, endpoint) => {
      const matchesQuery = zoneFilter(context.query, state);
      refuseListingWithoutAllZones(context, state, endpoint, matchesQuery);
      const visible = state.authorizer.zonesAllowed(context.token, endpoint).filter(matchesQuery);
      const page = paginate(ordered(visible, context.query, state), context.query);
      return replyWithPage({ ...page, items: page.items.map((zone) => zoneView(zone, state)) });
    }),

    routes.zone("GET", "/zones/{zone_id}", (_context, zone) => replyWith(zoneView(zone, state))),
  ];
}
