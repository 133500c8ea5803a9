import { describe, expect, it } from "vitest";
import { isReadOnlyGroup } from "../../src/cloudflare/permission-groups";
import { plan } from "../../src/plan/plan";
import { PLATFORMS } from "../../src/platforms";
import { documentedPermissions } from "../../src/platforms/documented";
import { ACME_CORP, settingsFrom } from "../helpers/settings";

const NOW = new Date("2026-12-07T10:00:00.000Z");
const entry = PLATFORMS.datadog!;

const planned = (profile?: string) =>
  plan(
    settingsFrom({ connections: [{ platform: "datadog", accounts: [ACME_CORP], zones: "all", ...(profile ? { profile } : {}) }] }),
    undefined,
    NOW,
  );
const quotes = (profile: string) => documentedPermissions(entry, profile).map((m) => m.row.quoted);
const apiGroups = (profile: string) => documentedPermissions(entry, profile).map((m) => `${m.group!.scope} ${m.group!.name}`);

describe("datadog platform: the entry is its quoted source", () => {
  it("the quote is Datadog's: the setup section's minimum and the seven-row permission table", () => {
    expect(quotes("minimal")).toEqual(["Zone > Zone > Read", "Zone > Analytics > Read"]);
    expect(quotes("full")).toEqual([
      "Account | Account Analytics | Read",
      "Account | Account Settings | Read",
      "Account | Workers Scripts | Read",
      "Zone | Zone | Read",
      "Zone | Analytics | Read",
      "Zone | Workers Routes | Read",
      "Zone | Load Balancers | Read",
    ]);
    expect(entry.source.url).toBe("https://docs.datadoghq.com/integrations/cloudflare/");
    expect(entry.source.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("every vendor row is the API group of that name and scope, needing no mapping, and it is read-only", () => {
    for (const profile of ["minimal", "full"]) {
      for (const { row, group, basis } of documentedPermissions(entry, profile)) {
        // Datadog's names are the dashboard's resource names; the API's group is "<resource> Read" at the same scope.
        expect([group, basis], row.quoted).toEqual([{ name: `${row.vendorName} Read`, scope: row.scope }, "api-name"]);
        expect(isReadOnlyGroup(group!), row.quoted).toBe(true);
      }
    }
  });

  it("the minimum is a subset of the table", () => {
    const table = apiGroups("full");
    for (const group of apiGroups("minimal")) expect(table).toContain(group);
  });

  it("is user-owned, least privilege by default, and hands off the account name and the token", () => {
    expect([entry.owner, entry.tokenPerAccount, entry.verifyRoute, entry.defaultProfile]).toEqual([
      "user",
      false,
      "/user/tokens/verify",
      "minimal",
    ]);
    expect(entry.handoff.fields.map((f) => f.source)).toEqual(["connectorName", "token", "expiresOn"]);
  });

  it("cfct plan gives exactly the documented groups: minimal by default, the whole table with profile full", () => {
    const groupsOf = (tokens: ReturnType<typeof planned>) =>
      tokens.flatMap((t) => t.policies.flatMap((p) => p.permissionGroups.map((g) => `${g.scope} ${g.name}`))).sort();

    const minimal = planned();
    expect(minimal).toHaveLength(1);
    expect(minimal[0]!.owner).toEqual({ kind: "user" });
    expect(groupsOf(minimal)).toEqual(apiGroups("minimal").sort());

    const full = planned("full");
    expect(groupsOf(full)).toEqual(apiGroups("full").sort());
    expect(full[0]!.policies.map((p) => p.permissionGroups.length)).toEqual([3, 4]);
  });
});
