import { describe, expect, it } from "vitest";
import { ENDPOINT_PERMISSIONS, endpointPermission, probesFor } from "../../src/cloudflare/endpoint-permissions";
import { accountGroup, userGroup, zoneGroup } from "../helpers/sandbox-client";
import { SCOPES, groupKey } from "../../src/domain/permission-group";

describe("the endpoint → permission-groups table", () => {
  it("has one row per route, each with a source, and no group twice in a row", () => {
    const routes = ENDPOINT_PERMISSIONS.map((r) => `${r.method} ${r.path}`);
    expect(new Set(routes).size).toBe(routes.length);
    for (const row of ENDPOINT_PERMISSIONS) {
      expect(row.source, `${row.method} ${row.path}`).not.toBe("");
      expect(new Set(row.groups.map(groupKey)).size).toBe(row.groups.length);
    }
  });

  it('reads the OpenAPI\'s "Zone Zone Read" for GET /zones as "Zone Read" (zone scope)', () => {
    expect(endpointPermission("GET", "/zones").groups).toEqual([zoneGroup("Zone Read")]);
  });

  it("gives a name listed without scope the scope of the path when Cloudflare has it at several", () => {
    expect(endpointPermission("GET", "/zones/{zone_id}/access/apps").groups).toEqual([
      zoneGroup("Access: Apps and Policies Revoke"),
      zoneGroup("Access: Apps and Policies Write"),
      zoneGroup("Access: Apps and Policies Read"),
    ]);
    expect(endpointPermission("GET", "/accounts/{account_id}/access/apps").groups.every((g) => g.scope === SCOPES.account)).toBe(true);
  });

  it("keeps a name's only documented scope even on a path of another kind", () => {
    // "Workers Scripts Read" is account-scoped in Cloudflare's permission-group list, yet the OpenAPI lists it for GET /zones/{zone_id}.
    expect(endpointPermission("GET", "/zones/{zone_id}").groups).toContainEqual(accountGroup("Workers Scripts Read"));
  });

  it("knows the token routes' groups, including OpenAPI-only names", () => {
    expect(endpointPermission("POST", "/accounts/{account_id}/tokens").groups).toEqual([accountGroup("Account API Tokens Write")]);
    expect(endpointPermission("POST", "/user/tokens").groups).toEqual([userGroup("API Tokens Write")]);
    expect(endpointPermission("GET", "/user/tokens/verify").groups).toEqual([]);
  });

  it("throws, naming the file to edit, for a route it does not know", () => {
    expect(() => endpointPermission("GET", "/zones/{zone_id}/dns_records")).toThrow(/endpoint-permissions\.ts/);
  });
});

describe("probesFor", () => {
  it("puts the route only this group grants first", () => {
    expect(probesFor(accountGroup("Access: Audit Logs Read")).map((r) => r.path)).toEqual(["/accounts/{account_id}/access/users"]);
    expect(probesFor(accountGroup("Account Settings Read"))[0]!.path).toBe("/accounts/{account_id}/members");
    expect(probesFor(zoneGroup("Zone Read"))[0]!.path).toBe("/zones");
    expect(probesFor(userGroup("User Details Read"))[0]!.path).toBe("/user");
    expect(probesFor(userGroup("Memberships Read"))[0]!.path).toBe("/memberships");
  });

  it("prefers current routes and fewer identifiers", () => {
    expect(probesFor(zoneGroup("Zone Settings Read")).map((r) => r.path)).toEqual([
      "/zones/{zone_id}/settings/{setting_id}",
      "/zones/{zone_id}",
      "/zones/{zone_id}/settings",
    ]);
    expect(probesFor(zoneGroup("Firewall Services Read"))[0]!.path).toBe("/zones/{zone_id}/firewall/ua_rules");
    expect(probesFor(accountGroup("Account Firewall Access Rules Read"))[0]!.path).toBe(
      "/accounts/{account_id}/firewall/access_rules/rules",
    );
  });

  it("returns only GET routes", () => {
    expect(probesFor(userGroup("API Tokens Write")).every((r) => r.method === "GET")).toBe(true);
  });
});
