import { describe, expect, it } from "vitest";
import { PLATFORMS } from "../../src/platforms";
import { definePlatform } from "../../src/platforms/types";
import { SCOPES } from "../../src/domain/permission-group";

describe("platform catalog", () => {
  it("account-owned platforms verify at the account route, carry no user-scope group and get a token per account", () => {
    for (const platform of Object.values(PLATFORMS)) {
      const hasUserGroups = Object.values(platform.profiles).some((p) => p.groups.some((g) => g.scope === SCOPES.user));
      if (platform.owner === "account") {
        expect([platform.verifyRoute, platform.tokenPerAccount, hasUserGroups]).toEqual([
          "/accounts/{account_id}/tokens/verify",
          true,
          false,
        ]);
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
    expect(PLATFORMS.ascera!.handoff.fields.map((f) => f.source)).toEqual([
      "connectorName",
      "apiBaseUrl",
      "token",
      "accountId",
      "expiresOn",
    ]);
  });

  it("rejects an entry whose default profile does not exist", () => {
    expect(() => definePlatform({ ...PLATFORMS.drata!, key: "x", defaultProfile: "nope" })).toThrow(
      /defaultProfile "nope" is not one of its profiles/,
    );
  });
});
