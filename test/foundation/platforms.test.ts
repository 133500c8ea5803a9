import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCOPES, groupKey } from "../../src/cloudflare/permission-groups";
import { PLATFORMS } from "../../src/platforms";
import { definePlatform } from "../../src/platforms/types";

const REFERENCE = "../shared/reference/cloudflare-permission-groups.json";
const bundled = JSON.parse(readFileSync("src/cloudflare/permission-group-catalog.json", "utf8")) as { groups: { name: string; scope: string }[] };

describe("platform catalog", () => {
  const entries = Object.values(PLATFORMS).flatMap((platform) =>
    Object.entries(platform.profiles).flatMap(([profile, def]) => def.groups.map((group) => ({ platform: platform.key, profile, group }))),
  );

  it("every group (name, scope) of every profile exists in the bundled permission-group list", () => {
    const known = new Set(bundled.groups.map((g) => groupKey(g as never)));
    const unknown = entries.filter((e) => !known.has(groupKey(e.group))).map((e) => `${e.platform}/${e.profile}: ${e.group.scope} ${e.group.name}`);
    expect(unknown).toEqual([]);
  });

  it.skipIf(!existsSync(REFERENCE))("the bundled list is exactly the curated reference's (name, scope, access)", () => {
    const reference = JSON.parse(readFileSync(REFERENCE, "utf8")) as { groups: { name: string; scope: string; access: string }[] };
    expect(bundled.groups).toEqual(reference.groups.map(({ name, scope, access }) => ({ name, scope, access })));
  });

  it("account-owned platforms verify at the account route, carry no user-scope group and get a token per account", () => {
    for (const platform of Object.values(PLATFORMS)) {
      const hasUserGroups = Object.values(platform.profiles).some((p) => p.groups.some((g) => g.scope === SCOPES.user));
      if (platform.owner === "account") {
        expect([platform.verifyRoute, platform.tokenPerAccount, hasUserGroups]).toEqual(["/accounts/{account_id}/tokens/verify", true, false]);
      } else {
        expect([platform.verifyRoute, platform.tokenPerAccount]).toEqual(["/user/tokens/verify", false]);
      }
    }
  });

  it("every entry names its documented source and the token field of its hand-off", () => {
    for (const platform of Object.values(PLATFORMS)) {
      expect(platform.source.url).toMatch(/^https:\/\//);
      expect(platform.handoff.fields.some((f) => f.source === "token")).toBe(true);
    }
    expect(PLATFORMS.ascera!.handoff.fields.map((f) => f.source)).toEqual(["connectorName", "apiBaseUrl", "token", "accountId", "expiresOn"]);
  });

  it("rejects an entry whose default profile does not exist", () => {
    expect(() =>
      definePlatform({ ...PLATFORMS.drata!, key: "x", defaultProfile: "nope" }),
    ).toThrow(/defaultProfile "nope" is not one of its profiles/);
  });
});
