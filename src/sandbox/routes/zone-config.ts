import { zoneRulesets, zoneSettings } from "../fixture/zone-defaults";
import { identifierNotFound, replyWith, type Route, type RouteBuilders } from "../http/route";
import { refuse } from "../http/refusals";

/** Zone settings and rulesets. */
export function zoneConfigRoutes(routes: RouteBuilders): Route[] {
  return [
    routes.zone("GET", "/zones/{zone_id}/settings/{setting_id}", (context, zone) => {
      const id = context.params.setting_id ?? "";
      const setting = zoneSettings(zone).find((s) => s.id === id);
      // Setting IDs are names, not hex IDs, so an unknown one is a bad identifier (400), as for any malformed ID.
      return replyWith(setting ?? identifierNotFound(context, id));
    }),
    routes.zone("GET", "/zones/{zone_id}/settings", (_context, zone) => replyWith(zoneSettings(zone))),
    // Rulesets paginate by cursor; with few rulesets per zone there is never a next cursor, so the list is whole.
    routes.zone("GET", "/zones/{zone_id}/rulesets", (_context, zone) =>
      replyWith(zoneRulesets(zone).map(({ rules: _rules, ...summary }) => summary)),
    ),
    routes.zone("GET", "/zones/{zone_id}/rulesets/phases/{ruleset_phase}/entrypoint", (context, zone) => {
      const phase = context.params.ruleset_phase;
      const entrypoint = zoneRulesets(zone).find((r) => r.kind === "zone" && r.phase === phase);
      // Cloudflare answers 404 for a phase without an entry point (probe-endpoints.md: "may return 404", not verified).
      if (!entrypoint) throw refuse.badIdentifier(context.path, 404);
      return replyWith(entrypoint);
    }),
  ];
}
