import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findKnownGroup } from "../../src/cloudflare/permission-groups";
import { tokenSettingsFor } from "../../src/config/schema";
import { plan } from "../../src/plan/plan";
import { PLATFORMS, type PlatformDefinition } from "../../src/platforms";
import { documentedPermissions, mapDocumentedPermission } from "../../src/platforms/documented";
import { SCOPES, groupKey } from "../../src/domain/permission-group";
import { ACME_CORP, settingsFrom } from "../helpers/settings";
import { readReference } from "../helpers/reference";

const NOW = new Date("2026-12-07T12:00:00.000Z");
const withList = Object.values(PLATFORMS).filter((p) => p.source.permissions?.length);
/** Each quoted list of each platform, as [key/profile, platform, list]. */
const lists = withList.flatMap((p) => p.source.permissions!.map((list) => [`${p.key}/${list.profile}`, p, list] as const));

/** What `cfct plan` makes of a stack naming the platform with this profile: its groups, as "scope name". */
function plannedGroups(platform: PlatformDefinition, profile: string): string[] {
  const readsZones = platform.profiles[profile]!.groups.some((g) => g.scope === SCOPES.zone);
  const settings = settingsFrom({
    connections: [{ platform: platform.key, accounts: [ACME_CORP], profile, ...(readsZones ? { zones: "all" } : {}) }],
  });
  const tokens = plan(settings, undefined, NOW);
  expect(tokens).toHaveLength(1);
  return tokens[0]!.policies.flatMap((p) => p.permissionGroups.map((g) => `${g.scope} ${g.name}`)).sort();
}

describe("each built-in platform against its quoted source", () => {
  it.each(lists)(
    "%s: cfct plan grants exactly the groups its page lists, mapped to the API's names",
    (_key, platform, { profile, rows }) => {
      const mapped = rows.map(mapDocumentedPermission);
      const unmapped = mapped.filter((m) => !m.group).map((m) => m.row.quoted);
      expect(unmapped, "rows that map to no API group belong in the entry's notes, not its list").toEqual([]);
      const fromSource = [...new Set(mapped.map((m) => `${m.group!.scope} ${m.group!.name}`))].sort();
      expect(plannedGroups(platform, profile)).toEqual(fromSource);
    },
  );

  it.each(withList.map((p) => [p.key, p] as const))(
    "%s: each row is quoted as the page writes it, and names the API group only where wording differs",
    (_key, platform) => {
      for (const { row, basis } of documentedPermissions(platform)) {
        expect(row.quoted, "the vendor's name appears in the quoted row").toContain(row.vendorName);
        expect(row.quoted).toMatch(/Read\b/);
        if (row.apiName !== undefined) {
          // An entry-made mapping only where neither the API's name nor the catalog's table gives one, always with its reason.
          expect(basis, `${row.quoted}: the API name or the catalog already maps it; drop apiName`).toBe("entry");
          expect(row.why, `${row.quoted}: say why ${row.apiName} is that group`).toMatch(/\S/);
        }
      }
    },
  );

  const seeded = withList.filter((p) => p.source.seed);
  it.each(seeded.map((p) => [p.key, p] as const))("%s: each quoted row is a line of the guide's seed, word for word", (_key, platform) => {
    const lines = new Set(
      readReference(`seeds/${platform.source.seed}`)
        .split("\n")
        .map((line) => line.trim()),
    );
    for (const { quoted } of platform.source.permissions!.flatMap((list) => list.rows)) expect(lines.has(quoted), quoted).toBe(true);
  });

  it("the mapping shows where the page's wording differs from the API's names", () => {
    const byQuote = (key: string) =>
      Object.fromEntries(documentedPermissions(PLATFORMS[key]!).map((m) => [m.row.quoted, [m.group?.name, m.basis]]));
    expect(byQuote("oneleet")["Zone permissions: DNS Settings: Read"]).toEqual(["Zone DNS Settings Read", "entry"]);
    expect(byQuote("surecloud")["Zone → WAF → Read"]).toEqual(["Zone WAF Read", "entry"]);
    expect(byQuote("surecloud")["Account → Cloudflare Access: Apps and Policies → Read"]).toEqual([
      "Access: Apps and Policies Read",
      "entry",
    ]);
    expect(byQuote("trelica")["Account | Access: Audit logs | Read"]).toEqual(["Access: Audit Logs Read", "api-spelling"]);
    expect(byQuote("scytale")["Zone:Config Rules:Read"]).toEqual(["Config Settings Read", "documentation-name"]);
    expect(byQuote("scytale")["Account:L3/4 DDoS Managed Ruleset:Read"]).toEqual(["L4 DDoS Managed Ruleset Read", "documentation-name"]);
    expect(byQuote("scytale")["Zone:Zone:Read"]).toEqual(["Zone Read", "api-name"]);
  });

  it("a row no rule maps is reported as unmapped, never guessed", () => {
    expect(
      mapDocumentedPermission({ quoted: "Zone:Bogus Thing:Read", scope: SCOPES.zone, vendorName: "Bogus Thing" }).group,
    ).toBeUndefined();
    expect(
      mapDocumentedPermission({ quoted: "Zone:Bogus:Read", scope: SCOPES.zone, vendorName: "Bogus", apiName: "Not A Group Read", why: "x" })
        .group,
    ).toBeUndefined();
  });
});

describe("the built-in catalog", () => {
  it("is read-only: every group of every profile of every built-in is a Read group of Cloudflare's list", () => {
    const notRead = Object.values(PLATFORMS).flatMap((platform) =>
      Object.entries(platform.profiles).flatMap(([profile, def]) =>
        def.groups.filter((g) => findKnownGroup(g)?.access !== "read").map((g) => `${platform.key}/${profile}: ${groupKey(g)}`),
      ),
    );
    expect(notRead).toEqual([]);
    expect(Object.values(PLATFORMS).filter((p) => p.allowWrite)).toEqual([]);
  });

  it("every entry says when its page was read (or which seed it is), and what its page says about TTL, IP filters and prerequisites", () => {
    for (const platform of Object.values(PLATFORMS)) {
      expect(platform.source.read ?? platform.source.seed, platform.key).toBeDefined();
      if (platform.source.read) expect(platform.source.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (!platform.source.seed) expect(platform.source.guidance?.length ?? 0, platform.key).toBeGreaterThan(0);
    }
  });

  it("the owner kinds and profiles are the pages' (user-owned unless the page says account; read-all where the vendor recommends it)", () => {
    const summary = Object.fromEntries(
      Object.values(PLATFORMS).map((p) => [
        p.key,
        `${p.owner} ${[p.defaultProfile, ...Object.keys(p.profiles).filter((k) => k !== p.defaultProfile)].join(",")}`,
      ]),
    );
    expect(summary).toEqual({
      ascera: "account least-privilege,read-all",
      conductorone: "user access-review",
      "conductorone-zero-trust": "user read",
      datadog: "user minimal,full",
      drata: "user guide",
      iru: "account read-all",
      jumpcloud: "user custom,read-all",
      oneleet: "user guide",
      ploy: "account access-review",
      scytale: "user read-all,custom",
      "splunk-cloudflare-audit": "user guide",
      surecloud: "user guide",
      trelica: "user read",
    });
    expect(PLATFORMS["splunk-cloudflare-audit"]!.source.community).toBe(true);
  });

  it("SureCloud's 90-day rotation advice is its connections' default TTL, and the stack file's own token settings still win", () => {
    const ttl = (raw: Record<string, unknown>) => settingsFrom(raw).connections[0]!.token.ttlDays;
    const surecloud = { platform: "surecloud", accounts: [ACME_CORP], zones: "all" };
    expect(PLATFORMS.surecloud!.defaultTtlDays).toBe(90);
    expect(ttl({ connections: [surecloud] })).toBe(90);
    expect(ttl({ connections: [surecloud], token: { ttlDays: 30 } })).toBe(30);
    expect(ttl({ connections: [{ ...surecloud, token: { ttlDays: 14 } }], token: { ttlDays: 30 } })).toBe(14);
    expect(PLATFORMS.surecloud!.handoff.fields.map((f) => f.source)).toContain("accountId");
    // The order, with advice that differs from the kit's own default of 90: kit < platform < stack file < connection.
    expect(tokenSettingsFor({ defaultTtlDays: 30 }, {}).ttlDays).toBe(30);
    expect(tokenSettingsFor({ defaultTtlDays: 30 }, { ttlDays: 60 }).ttlDays).toBe(60);
    expect(tokenSettingsFor({ defaultTtlDays: 30 }, { ttlDays: 60 }, { ttlDays: 7 }).ttlDays).toBe(7);
    expect(tokenSettingsFor({}, {}).ttlDays).toBe(90);
  });
});

describe("the README's platform table", () => {
  it("lists every built-in platform with the URL of its source", () => {
    const readme = readFileSync("README.md", "utf8");
    const start = readme.indexOf("## Platforms\n");
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    const rows = new Map(
      section
        .split("\n")
        .filter((line) => /^\| [a-z][a-z0-9-]* \|/.test(line))
        .map((line) => [line.split("|")[1]!.trim(), line]),
    );
    for (const platform of Object.values(PLATFORMS)) {
      expect(rows.get(platform.key), `README row for ${platform.key}`).toContain(platform.source.url);
      if (platform.source.read) expect(rows.get(platform.key)).toContain(platform.source.read);
    }
  });
});
