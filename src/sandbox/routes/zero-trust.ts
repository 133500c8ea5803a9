import { paginate, STANDARD_PAGES } from "../http/pagination";
import { replyWith, replyWithPage, type Route, type RouteBuilders } from "../http/route";

// identity_providers: per_page default 200, max 1000 (probe-endpoints.md, from the API reference).
const IDENTITY_PROVIDER_PAGES = { defaultPerPage: 200, minPerPage: 1, maxPerPage: 1000 };

/** Zero Trust (Access) reads: the fixture's records, as the API returns them. */
export function zeroTrustRoutes(routes: RouteBuilders): Route[] {
  return [
    routes.account("GET", "/accounts/{account_id}/access/identity_providers", (context, account) =>
      replyWithPage(paginate(account.access.identity_providers, context.query, IDENTITY_PROVIDER_PAGES)),
    ),
    routes.account("GET", "/accounts/{account_id}/access/groups", (context, account) =>
      replyWithPage(paginate(account.access.groups, context.query, STANDARD_PAGES)),
    ),
    // An account without Zero Trust set up has no organization; the API's answer for that is not documented (assumed: null).
    routes.account("GET", "/accounts/{account_id}/access/organizations", (_context, account) => replyWith(account.access.organization)),
    routes.account("GET", "/accounts/{account_id}/access/users", (context, account) =>
      replyWithPage(paginate(account.access.users, context.query, STANDARD_PAGES)),
    ),
    routes.account("GET", "/accounts/{account_id}/access/apps", (context, account) =>
      replyWithPage(paginate(account.access.apps, context.query, STANDARD_PAGES)),
    ),
    routes.zone("GET", "/zones/{zone_id}/access/apps", (context, zone) =>
      replyWithPage(paginate(zone.access_apps, context.query, STANDARD_PAGES)),
    ),
  ];
}
