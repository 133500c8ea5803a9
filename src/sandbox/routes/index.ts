import { routesFor, type Route } from "../http/route";
import type { SandboxState } from "../state";
import { firewallRoutes } from "./firewall";
import { identityRoutes } from "./identity";
import { tokenRoutes } from "./tokens";
import { zeroTrustRoutes } from "./zero-trust";
import { zoneConfigRoutes } from "./zone-config";
import { zoneRoutes } from "./zones";

/** Every /client/v4 route the sandbox serves, in matching order. */
export function allRoutes(state: SandboxState): Route[] {
  const routes = routesFor(state);
  return [
    ...tokenRoutes(state, routes, "user"),
    ...tokenRoutes(state, routes, "account"),
    ...identityRoutes(state, routes),
    ...zoneRoutes(state, routes),
    ...zeroTrustRoutes(routes),
    ...firewallRoutes(routes),
    ...zoneConfigRoutes(routes),
  ];
}
