import { describe, expect, it } from "vitest";
import { findKnownGroup } from "../../src/cloudflare/permission-groups";
import { plan } from "../../src/plan/plan";
import { ACME_CORP, ACME_LABS, ACME_STATUS_ZONE, settingsFrom } from "../helpers/settings";
import { SCOPES } from "../../src/domain/permission-group";
import { readReference } from "../helpers/reference";

const NOW = new Date("2026-11-25T10:00:00.000Z");

/** The guide's permission table, parsed from its text (reference/seeds/). */
function drataGuideRows(): { name: string; scope: string }[] {
  const typeToScope: Record<string, string> = { Account: SCOPES.account, Zone: SCOPES.zone, Users: SCOPES.user };
  return readReference("seeds/003_52d658b6ce535021.txt")
    .split("\n")
    .map((line) => /^(Account|Zone|Users) \| (.+) \| Read \|$/.exec(line.trim()))
    .flatMap((m) => (m ? [{ name: m[2] === "Zone" ? "Zone Read" : `${m[2]} Read`, scope: typeToScope[m[1]!]! }] : []));
}

const drataConnection = { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", ACME_STATUS_ZONE] };

describe("plan", () => {
  it("Drata gets exactly the ten groups of the guide, with their scopes", () => {
    const [token, ...rest] = plan(settingsFrom({ connections: [drataConnection] }), undefined, NOW);
    expect(rest).toEqual([]);
    const planned = token!.policies
      .flatMap((p) => p.permissionGroups)
      .map((g) => `${g.scope} ${g.name}`)
      .sort();
    const guide = drataGuideRows()
      .map((g) => `${g.scope} ${g.name}`)
      .sort();
    expect(guide).toHaveLength(10);
    expect(planned).toEqual(guide);
    expect(token!.owner).toEqual({ kind: "user" });
    expect(token!.policies.map((p) => p.permissionGroups.length)).toEqual([3, 5, 2]);
  });

  it("Drata's policies: accounts, zones (names symbolic until deploy) and the token's own user", () => {
    const [token] = plan(settingsFrom({ connections: [drataConnection] }), undefined, NOW);
    expect(token!.policies.map((p) => p.resources)).toEqual([
      { [`com.cloudflare.api.account.${ACME_CORP}`]: "*" },
      { [`com.cloudflare.api.account.zone.${ACME_STATUS_ZONE}`]: "*", "com.cloudflare.api.account.zone.<acme-corp.com>": "*" },
      { "com.cloudflare.api.user.<self>": "*" },
    ]);
  });

  it("zones: all becomes the nested all-zones-of-this-account form", () => {
    const [token] = plan(
      settingsFrom({ connections: [{ ...drataConnection, accounts: [ACME_LABS, ACME_CORP], zones: "all" }] }),
      undefined,
      NOW,
    );
    const zonePolicy = token!.policies.find((p) => p.permissionGroups[0]!.scope === SCOPES.zone)!;
    expect(JSON.stringify(zonePolicy.resources)).toBe(
      `{"com.cloudflare.api.account.${ACME_CORP}":{"com.cloudflare.api.account.zone.*":"*"},"com.cloudflare.api.account.${ACME_LABS}":{"com.cloudflare.api.account.zone.*":"*"}}`,
    );
  });

  it("ASCERA least-privilege: one account-owned token per account, the three user-data groups, own account only", () => {
    const tokens = plan(settingsFrom({ connections: [{ platform: "ascera", accounts: [ACME_CORP, ACME_LABS] }] }), undefined, NOW);
    expect(tokens.map((t) => [t.key, t.owner])).toEqual([
      ["ascera-417daa9d", { kind: "account", accountId: ACME_CORP }],
      ["ascera-fca1dc08", { kind: "account", accountId: ACME_LABS }],
    ]);
    for (const token of tokens) {
      const ownAccount = (token.owner as { accountId: string }).accountId;
      expect(token.policies).toEqual([
        {
          effect: "allow",
          permissionGroups: [
            { name: "Access: Audit Logs Read", scope: SCOPES.account },
            { name: "Access: Organizations, Identity Providers, and Groups Read", scope: SCOPES.account },
            { name: "Account Settings Read", scope: SCOPES.account },
          ],
          resources: { [`com.cloudflare.api.account.${ownAccount}`]: "*" },
        },
      ]);
    }
  });

  it("two accounts sharing their first 8 hex digits get distinct keys: the first keeps its key, the later one is lengthened", () => {
    const sibling = `${ACME_CORP.slice(0, 9)}${"0".repeat(23)}`;
    const cousin = `${ACME_CORP.slice(0, 8)}${"f".repeat(24)}`;
    const keys = (accounts: string[]) =>
      plan(settingsFrom({ connections: [{ platform: "ascera", accounts }] }), undefined, NOW).map((t) => [
        t.key,
        (t.owner as { accountId: string }).accountId,
      ]);
    expect(keys([ACME_CORP, ACME_LABS, sibling, cousin])).toEqual([
      ["ascera-417daa9d", ACME_CORP],
      ["ascera-fca1dc08", ACME_LABS],
      [`ascera-${ACME_CORP.slice(0, 9)}0`, sibling],
      [`ascera-${ACME_CORP.slice(0, 8)}f`, cousin],
    ]);
    // An account alone, or with others that share nothing, keeps the key it always had.
    expect(keys([ACME_CORP])).toEqual([["ascera-417daa9d", ACME_CORP]]);
  });

  it("ASCERA read-all: every Read group of account and zone scope, never a write group, never a user group, own account only", () => {
    const tokens = plan(
      settingsFrom({ connections: [{ platform: "ascera", profile: "read-all", accounts: [ACME_CORP, ACME_LABS], zones: "all" }] }),
      undefined,
      NOW,
    );
    expect(tokens).toHaveLength(2);
    for (const token of tokens) {
      const groups = token.policies.flatMap((p) => p.permissionGroups);
      expect(groups.length).toBeGreaterThan(100);
      expect(groups.every((g) => findKnownGroup(g)?.access === "read")).toBe(true);
      expect(groups.some((g) => g.scope === SCOPES.user)).toBe(false);
      const ownAccount = (token.owner as { accountId: string }).accountId;
      const keys = token.policies.flatMap((p) => Object.keys(p.resources));
      expect(keys).toEqual([`com.cloudflare.api.account.${ownAccount}`, `com.cloudflare.api.account.${ownAccount}`]);
    }
  });

  it("is deterministic: the same input gives byte-identical output, whatever the order of zones", () => {
    const a = settingsFrom({ connections: [{ ...drataConnection, zones: ["b.example.com", "a.example.com", ACME_STATUS_ZONE] }] });
    const b = settingsFrom({ connections: [{ ...drataConnection, zones: [ACME_STATUS_ZONE, "a.example.com", "b.example.com"] }] });
    expect(JSON.stringify(plan(a, undefined, NOW))).toBe(JSON.stringify(plan(a, undefined, NOW)));
    expect(JSON.stringify(plan(a, undefined, NOW))).toBe(JSON.stringify(plan(b, undefined, NOW)));
  });

  it("expiry is anchored to the generation's issue time, not to the clock", () => {
    const settings = settingsFrom({
      connections: [drataConnection],
      token: { ttlDays: 30 },
      generations: { drata: { active: { generation: 3, issuedAt: "2026-11-01T08:00:00Z" } } },
    });
    const weekLater = new Date(NOW.getTime() + 7 * 86_400_000);
    expect(plan(settings, undefined, NOW)).toEqual(plan(settings, undefined, weekLater));
    const [token] = plan(settings, undefined, NOW);
    expect([token!.generation, token!.expiresOn, token!.name]).toEqual([3, "2026-12-01T08:00:00Z", "cfct test drata g3"]);
  });

  it("a first generation expires ttlDays after now, in Cloudflare's second-precision RFC 3339", () => {
    const [token] = plan(settingsFrom({ connections: [drataConnection] }), undefined, NOW);
    expect(token!.expiresOn).toBe("2027-02-23T10:00:00Z");
    expect(token!.notBefore).toBeNull();
  });

  it("during a rotation both generations are planned, with their own expiry", () => {
    const settings = settingsFrom({
      connections: [drataConnection],
      generations: {
        drata: {
          active: { generation: 1, issuedAt: "2026-09-01T00:00:00Z" },
          successor: { generation: 2, issuedAt: "2026-11-20T00:00:00Z" },
        },
      },
    });
    expect(plan(settings, undefined, NOW).map((t) => [t.name, t.expiresOn])).toEqual([
      ["cfct test drata g1", "2026-11-30T00:00:00Z"],
      ["cfct test drata g2", "2027-02-18T00:00:00Z"],
    ]);
  });

  it("carries the IP filter", () => {
    const [token] = plan(
      settingsFrom({ connections: [drataConnection], token: { allowedIps: ["203.0.113.0/24"], deniedIps: ["203.0.113.99/32"] } }),
      undefined,
      NOW,
    );
    expect([token!.allowedIps, token!.deniedIps]).toEqual([["203.0.113.0/24"], ["203.0.113.99/32"]]);
  });
});
