import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { accessOf, buildPermissionCatalog } from "../../src/cloudflare/build-permission-catalog";
import { ENDPOINT_PERMISSIONS } from "../../src/cloudflare/endpoint-permissions";
import {
  KNOWN_PERMISSION_GROUPS,
  findKnownGroup,
  isReadOnlyGroup,
  suggestKnownGroup,
  unknownGroupMessage,
} from "../../src/cloudflare/permission-groups";
import { plan } from "../../src/plan/plan";
import { PLATFORMS } from "../../src/platforms";
import { definePlatform } from "../../src/platforms/types";
import type { CloudflareDirectory } from "../../src/component/directory";
import { resolveTokens } from "../../src/component/resolve";
import { PermissionCatalog } from "../../src/sandbox/permission-catalog";
import { ACME_CORP, settingsFrom } from "../helpers/settings";
import { SCOPES, describeGroup, groupKey } from "../../src/domain/permission-group";
import { readReference } from "../helpers/reference";

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));
const API_LIST: { groups: { name: string; scopes: string[]; description: string }[] } = JSON.parse(
  readReference("cloudflare-permission-groups-api.json"),
);
const DOCS_LIST: { groups: { name: string; scope: string }[] } = JSON.parse(readReference("cloudflare-permission-groups.json"));
const SHIPPED = readJson("src/cloudflare/permission-group-catalog.json");

/** Cloudflare's list as (name, scope) keys: the API list plus the docs' user-scope groups, which it cannot hold. */
const cloudflareKeys = new Set([
  ...API_LIST.groups.map((g) => `${g.scopes[0]}::${g.name}`),
  ...DOCS_LIST.groups.filter((g) => g.scope === SCOPES.user).map((g) => `${g.scope}::${g.name}`),
]);

describe("the permission-group catalog", () => {
  it("is exactly what `npm run catalog` generates from the reference lists (run it if this fails)", () => {
    expect(SHIPPED).toEqual(buildPermissionCatalog(API_LIST, DOCS_LIST));
  });

  it("holds every account and zone group of the API list (305 less the 2 R2-bucket ones) and the 6 user-scope groups", () => {
    expect(KNOWN_PERMISSION_GROUPS.map(groupKey).sort()).toEqual(
      [...cloudflareKeys].filter((k) => !k.startsWith("com.cloudflare.edge.r2.bucket::")).sort(),
    );
    expect(KNOWN_PERMISSION_GROUPS).toHaveLength(305 - 2 + 6);
    expect(SHIPPED.omitted).toEqual([
      { name: "Workers R2 Storage Bucket Item Read", scope: "com.cloudflare.edge.r2.bucket" },
      { name: "Workers R2 Storage Bucket Item Write", scope: "com.cloudflare.edge.r2.bucket" },
    ]);
  });

  it("identifies a group by (name, scope): a name at two scopes is two groups", () => {
    expect(findKnownGroup({ name: "Access: Apps and Policies Read", scope: SCOPES.account })).toBeDefined();
    expect(findKnownGroup({ name: "Access: Apps and Policies Read", scope: SCOPES.zone })).toBeDefined();
    expect(findKnownGroup({ name: "Transform Rules Read", scope: SCOPES.zone })).toBeUndefined();
  });
});

describe("the read-only rule", () => {
  const descriptionOf = new Map(API_LIST.groups.map((g) => [`${g.scopes[0]}::${g.name}`, g.description]));

  it("no group classed read has an API description that grants more than reading, and the rule's one exclusion does", () => {
    const grantsMore = /\b(write|writing|edit|editing|create|delete|invoke|run|running|purge|revoke|send|bind|publish|upload|admin)\b/i;
    const suspicious = KNOWN_PERMISSION_GROUPS.filter((g) => g.access === "read" && g.scope !== SCOPES.user)
      .filter((g) => grantsMore.test(descriptionOf.get(groupKey(g)) ?? ""))
      .map((g) => g.name);
    expect(suspicious).toEqual([]);
    expect(grantsMore.test(descriptionOf.get(`${SCOPES.account}::Workers AI Read`)!)).toBe(true);
  });

  it("reads the odd names right: lower-case read, Read mid-name, a Read that runs models, bare product names", () => {
    expect(accessOf("Access: SCIM logs read")).toBe("read");
    expect(accessOf("Magic Firewall Packet Captures - Read PCAPs API")).toBe("read");
    expect(accessOf("Workers AI Read")).toBe("other");
    expect(accessOf("Auto Rag Write Run Engine")).toBe("other");
    expect(accessOf("Zaraz Edit")).toBe("write");
    expect(accessOf("Page Shield")).toBe("other");
    expect(accessOf("Cache Purge")).toBe("other");
  });

  it("a group outside the catalog is never read-only, whatever its name says", () => {
    expect(isReadOnlyGroup({ name: "Cache Rules Read", scope: SCOPES.zone })).toBe(false);
    expect(isReadOnlyGroup({ name: "Cache Settings Read", scope: SCOPES.zone })).toBe(true);
  });

  it("ASCERA read-all is every read group of account and zone scope: 145 groups, none of user or bucket scope", () => {
    const readAll = PLATFORMS.ascera!.profiles["read-all"]!.groups;
    const expected = KNOWN_PERMISSION_GROUPS.filter((g) => g.access === "read" && g.scope !== SCOPES.user);
    expect(readAll.map(groupKey).sort()).toEqual(expected.map(groupKey).sort());
    expect(readAll).toHaveLength(145);
    expect(readAll.filter((g) => g.scope === SCOPES.account)).toHaveLength(104);
    expect(readAll.filter((g) => g.scope === SCOPES.zone)).toHaveLength(41);
    expect(readAll.map((g) => g.name)).toContain("Access: SCIM logs read");
    expect(readAll.map((g) => g.name)).not.toContain("Workers AI Read");
  });
});

describe("names in the rest of the code are Cloudflare's", () => {
  it("every platform profile names only groups in Cloudflare's list, at that scope", () => {
    const unknown = Object.values(PLATFORMS).flatMap((platform) =>
      Object.entries(platform.profiles).flatMap(([profile, def]) =>
        def.groups.filter((g) => !cloudflareKeys.has(groupKey(g))).map((g) => `${platform.key}/${profile}: ${describeGroup(g)}`),
      ),
    );
    expect(unknown).toEqual([]);
  });

  it("every group the endpoint table names is in Cloudflare's list, at that scope", () => {
    const unknown = ENDPOINT_PERMISSIONS.flatMap((row) =>
      row.groups.filter((g) => !cloudflareKeys.has(groupKey(g))).map((g) => `${row.method} ${row.path}: ${describeGroup(g)}`),
    );
    expect(unknown).toEqual([]);
  });

  it("the sandbox serves exactly the catalog, so a wrong name fails in rehearsal as in production", () => {
    const sandbox = new PermissionCatalog();
    expect(sandbox.groups.map(groupKey).sort()).toEqual(KNOWN_PERMISSION_GROUPS.map(groupKey).sort());
    expect(sandbox.listFor("account").some((g) => g.scope === SCOPES.user)).toBe(false);
    expect(() => sandbox.require({ name: "Cache Rules Read", scope: SCOPES.zone })).toThrow(/did you mean "Cache Settings Read"/);
  });
});

describe("documentation display names", () => {
  it("the issue's examples map to the API's names", () => {
    const cases: [string, string, string][] = [
      ["Cache Rules Read", SCOPES.zone, "Cache Settings Read"],
      ["Turnstile Read", SCOPES.account, "Turnstile Sites Read"],
      ["Transform Rules Read", SCOPES.zone, "Zone Transform Rules Read"],
      ["Page Shield Read", SCOPES.zone, "Domain Page Shield Read"],
      ["Zone Settings Edit", SCOPES.zone, "Zone Settings Write"],
      ["Cloudflare Tunnel Edit", SCOPES.account, "Cloudflare Tunnel Write"],
    ];
    for (const [docsName, scope, apiName] of cases) {
      expect(suggestKnownGroup({ name: docsName, scope: scope as never })).toBe(
        `"${docsName}" is the documentation's display name; the API names it "${apiName}". Fix: did you mean "${apiName}"?`,
      );
    }
  });

  it("every alias leads from a name Cloudflare's list lacks to one it has, once per (name, scope)", () => {
    const aliases = SHIPPED.docsAliases as { docsName: string; scope: string; apiName: string }[];
    for (const a of aliases) {
      expect(cloudflareKeys.has(`${a.scope}::${a.docsName}`), a.docsName).toBe(false);
      expect(cloudflareKeys.has(`${a.scope}::${a.apiName}`), a.apiName).toBe(true);
    }
    expect(new Set(aliases.map((a) => `${a.scope}::${a.docsName}`)).size).toBe(aliases.length);
  });

  it("every documentation API-tab name is in the list or has an alias, except the one with no counterpart", () => {
    const aliased = new Set((SHIPPED.docsAliases as { docsName: string; scope: string }[]).map((a) => `${a.scope}::${a.docsName}`));
    const orphans = DOCS_LIST.groups.map((g) => `${g.scope}::${g.name}`).filter((k) => !cloudflareKeys.has(k) && !aliased.has(k));
    expect(orphans).toEqual(["com.cloudflare.api.account::Zero Trust PII Write"]);
  });

  it("suggests the scope Cloudflare has a name at, and the spelling when only the case differs", () => {
    expect(suggestKnownGroup({ name: "Workers Scripts Read", scope: SCOPES.zone })).toMatch(
      /only at scope com\.cloudflare\.api\.account\. Fix: use that scope/,
    );
    expect(suggestKnownGroup({ name: "managed headers read", scope: SCOPES.zone })).toMatch(/did you mean "Managed headers Read"/);
    expect(suggestKnownGroup({ name: "Zone Reed", scope: SCOPES.zone })).toBeUndefined();
    expect(unknownGroupMessage({ name: "Zone Reed", scope: SCOPES.zone })).toMatch(
      /not in Cloudflare's permission-group list\. Fix: use a name and scope from src\/cloudflare\/permission-group-catalog\.json/,
    );
  });

  it("a platform profile naming a display name is refused when defined, with the API name", () => {
    expect(() =>
      definePlatform({
        ...PLATFORMS.drata!,
        key: "custom",
        profiles: { guide: { description: "x", groups: [{ name: "Cache Rules Read", scope: SCOPES.zone }] } },
      }),
    ).toThrow(
      'platform custom, profile guide: permission group "Cache Rules Read" (com.cloudflare.api.account.zone) is not in Cloudflare\'s permission-group list. "Cache Rules Read" is the documentation\'s display name; the API names it "Cache Settings Read". Fix: did you mean "Cache Settings Read"?',
    );
  });
});

describe("at deploy time, names that do not resolve", () => {
  const liveWithout = (withdrawn?: string): CloudflareDirectory => ({
    async userPermissionGroups() {
      return KNOWN_PERMISSION_GROUPS.filter((g) => g.name !== withdrawn).map((g) => ({
        id: `id-${groupKey(g)}`,
        name: g.name,
        scopes: [g.scope],
      }));
    },
    async accountPermissionGroups() {
      throw new Error("not used: Drata tokens are user-owned");
    },
    async zonesNamed() {
      return [];
    },
    async currentUserId() {
      return "8ec917c52e6b1d94920f1e3ec8d5ae82";
    },
  });
  const drataPlan = (rename?: [string, string]) =>
    plan(
      settingsFrom({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: "all" }] }),
      undefined,
      new Date("2026-11-25T10:00:00Z"),
    ).map((token) => ({
      ...token,
      policies: token.policies.map((policy) => ({
        ...policy,
        permissionGroups: policy.permissionGroups.map((g) => (rename && g.name === rename[0] ? { ...g, name: rename[1] } : g)),
      })),
    }));

  it("a documentation display name fails resolution with the API name to use", async () => {
    await expect(resolveTokens(drataPlan(["Zone Settings Read", "Zone Settings Edit"]), liveWithout())).rejects.toThrow(
      'permission group "Zone Settings Edit" (com.cloudflare.api.account.zone) is not offered by Cloudflare\'s user token list. "Zone Settings Edit" is the documentation\'s display name; the API names it "Zone Settings Write". Fix: did you mean "Zone Settings Write"?',
    );
  });

  it("a catalog group Cloudflare withdrew fails resolution with the refresh to do", async () => {
    await expect(resolveTokens(drataPlan(), liveWithout("Zone WAF Read"))).rejects.toThrow(
      /"Zone WAF Read" \(com\.cloudflare\.api\.account\.zone\) is not offered by Cloudflare's user token list\. Cloudflare no longer offers it\. Fix: refresh the catalog \(`npm run catalog`/,
    );
  });
});
