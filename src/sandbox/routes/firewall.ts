import { paginate } from "../http/pagination";
import { identifierNotFound, replyWith, replyWithPage, type Route, type RouteBuilders } from "../http/route";
import { zoneWafPackages } from "../fixture/zone-defaults";

/** Firewall reads: IP access rules (account and zone), User Agent blocking, lockdowns, legacy WAF packages. */
export function firewallRoutes(routes: RouteBuilders): Route[] {
  return [
    routes.account("GET", "/accounts/{account_id}/firewall/access_rules/rules", (context, account) =>
      replyWithPage(paginate(account.firewall_access_rules, context.query)),
    ),
    routes.account("GET", "/accounts/{account_id}/firewall/access_rules/rules/{rule_id}", (context, account) => {
      const id = context.params.rule_id ?? "";
      return replyWith(account.firewall_access_rules.find((rule) => rule.id === id) ?? identifierNotFound(context, id));
    }),
    routes.zone("GET", "/zones/{zone_id}/firewall/access_rules/rules", (context, zone) =>
      replyWithPage(paginate(zone.firewall_access_rules, context.query)),
    ),
    routes.zone("GET", "/zones/{zone_id}/firewall/ua_rules", (context, zone) => replyWithPage(paginate(zone.ua_rules, context.query))),
    routes.zone("GET", "/zones/{zone_id}/firewall/lockdowns", (context, zone) => replyWithPage(paginate(zone.lockdowns, context.query))),
    routes.zone("GET", "/zones/{zone_id}/firewall/waf/packages", (context, zone) =>
      replyWithPage(paginate(zoneWafPackages(zone), context.query)),
    ),
  ];
}
