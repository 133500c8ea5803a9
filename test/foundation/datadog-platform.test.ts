import { describe, expect, it } from "vitest";
import { findKnownGroup, isReadOnlyGroup } from "../../src/cloudflare/permission-groups";
import { plan } from "../../src/plan/plan";
import { PLATFORMS } from "../../src/platforms";
import { DATADOG_SOURCE, type VendorPermission } from "../../src/platforms/datadog";
import { SCOPES } from "../../src/domain/permission-group";
import { ACME_CORP, settingsFrom } from "../helpers/settings";

const NOW = new Date("2026-12-07T10:00:00.000Z");

/** The page's wording as a reader types it into Cloudflare's dashboard: "<Scope> > <Permission> > Read". */
const asQuoted = (row: VendorPermission) => `${row.vendorScope} > ${row.vendorName} > ${row.access}`;
const planned = (profile?: string) =>
  plan(
    settingsFrom({ connections: [{ platform: "datadog", accounts: [ACME_CORP], zones: "all", ...(profile ? { profile } : {}) }] }),
    undefined,
    NOW,
  );

describe("datadog platform: the entry is its quoted source", () => {
  it("the quote is Datadog's: the setup section's minimum and the seven-row permission table", () => {
    expect(DATADOG_SOURCE.minimum.map(asQuoted)).toEqual(["Zone > Zone > Read", "Zone > Analytics > Read"]);
    expect(DATADOG_SOURCE.table.map(asQuoted)).toEqual([
      "Account > Account Analytics > Read",
      "Account > Account Settings > Read",
      "Account > Workers Scripts > Read",
      "Zone > Zone > Read",
      "Zone > Analytics > Read",
      "Zone > Workers Routes > Read",
      "Zone > Load Balancers > Read",
    ]);
    expect(DATADOG_SOURCE.url).toBe("https://docs.datadoghq.com/integrations/cloudflare/");
    expect(DATADOG_SOURCE.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("every vendor row maps to the API group of that name and scope, and it is read-only", () => {
    for (const row of [...DATADOG_SOURCE.minimum, ...DATADOG_SOURCE.table]) {
      // Datadog's names are the dashboard's resource names; the API's group is "<resource> Read" at the same scope.
      expect(row.apiGroup).toEqual({
        name: `${row.vendorName} ${row.access}`,
        scope: row.vendorScope === "Account" ? SCOPES.account : SCOPES.zone,
      });
      expect(findKnownGroup(row.apiGroup), asQuoted(row)).toBeDefined();
      expect(isReadOnlyGroup(row.apiGroup), asQuoted(row)).toBe(true);
    }
  });

  it("the minimum is a subset of the table", () => {
    const table = DATADOG_SOURCE.table.map((row) => JSON.stringify(row.apiGroup));
    for (const row of DATADOG_SOURCE.minimum) expect(table).toContain(JSON.stringify(row.apiGroup));
  });

  it("is user-owned, least privilege by default, and hands off the account name and the token", () => {
    const entry = PLATFORMS.datadog!;
    expect([entry.owner, entry.tokenPerAccount, entry.verifyRoute, entry.defaultProfile]).toEqual([
      "user",
      false,
      "/user/tokens/verify",
      "minimal",
    ]);
    expect(entry.handoff.fields.map((f) => f.source)).toEqual(["connectorName", "token", "expiresOn"]);
    expect(entry.source.url).toBe(DATADOG_SOURCE.url);
  });

  it("cfct plan gives exactly the documented groups: minimal by default, the whole table with profile full", () => {
    const groupsOf = (tokens: ReturnType<typeof planned>) =>
      tokens.flatMap((t) => t.policies.flatMap((p) => p.permissionGroups.map((g) => `${g.scope} ${g.name}`))).sort();
    const expected = (rows: readonly VendorPermission[]) => rows.map((r) => `${r.apiGroup.scope} ${r.apiGroup.name}`).sort();

    const minimal = planned();
    expect(minimal).toHaveLength(1);
    expect(minimal[0]!.owner).toEqual({ kind: "user" });
    expect(groupsOf(minimal)).toEqual(expected(DATADOG_SOURCE.minimum));

    const full = planned("full");
    expect(groupsOf(full)).toEqual(expected(DATADOG_SOURCE.table));
    expect(full[0]!.policies.map((p) => p.permissionGroups.length)).toEqual([3, 4]);
  });
});
