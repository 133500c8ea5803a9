import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError, ComplianceToken, type ComplianceTokenPlatform } from "../../src/index";
import { planComponentToken } from "../../src/component/arguments";
import { endMockedRun } from "../helpers/mocked-run";
import { ACME_CORP } from "../helpers/settings";
import { SCOPES } from "../../src/domain/permission-group";
import { ACME_LEDGER } from "../helpers/platforms";
import { componentMocks } from "../helpers/component-mocks";

/** The component's `platform` argument as a definition of the caller's own, under mocks. */
const { mocks, registered } = componentMocks();

const ACME_AUDIT: ComplianceTokenPlatform = { key: "acme-audit", ...ACME_LEDGER };

describe("ComplianceToken's platform argument: a key of the catalog, or a definition of your own", () => {
  it("a definition makes the token its owner kind says, with its groups, and names it by key in the component's inputs", async () => {
    registered.length = 0;
    await pulumi.runtime.setMocks(mocks, "consumer", "dev", false);
    new ComplianceToken("acme", { platform: ACME_AUDIT, accounts: [ACME_CORP] });
    await endMockedRun();
    const component = registered.find((r) => r.type === "cf-compliance-tokens:index:ComplianceToken")!;
    expect(component.inputs.platform).toBe("acme-audit");
    expect(component.inputs.owner).toEqual({ kind: "account", accountId: ACME_CORP });
    expect(component.inputs.policies[0].permissionGroups).toEqual([
      { name: "Access: Audit Logs Read", scope: SCOPES.account },
      { name: "Account Settings Read", scope: SCOPES.account },
    ]);
    expect(registered.map((r) => r.type)).toContain("cloudflare:index/accountToken:AccountToken");
  });

  it("a definition is validated as the stack file's would be, its problems named as the argument's, before anything is registered", () => {
    const bad: ComplianceTokenPlatform = {
      ...ACME_AUDIT,
      groups: [
        { name: "Access: Audit Log Read", scope: "account" },
        { name: "Logs Write", scope: "account" },
      ],
    };
    let error: unknown;
    try {
      new ComplianceToken("acme", { platform: bad, accounts: [ACME_CORP] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.path)).toEqual(["args.platform.groups[0]", "args.platform.groups[1]"]);
    expect(problems[0]!.message).toMatch(/Fix: did you mean "Access: Audit Logs Read"\?/);
    expect(problems[1]!.message).toMatch(/is not read-only/);
    expect(() => new ComplianceToken("x", { platform: { ...ACME_AUDIT, key: "drata" }, accounts: [ACME_CORP] })).toThrow(
      /built-in platform Drata/,
    );
  });

  it("a key outside the catalog is a type error (PlatformKey lists the built-in keys), and refused at run time with them", () => {
    // @ts-expect-error "acme-audit" is not a built-in key: a platform of your own goes as its definition.
    expect(() => new ComplianceToken("acme", { platform: "acme-audit", accounts: [ACME_CORP] })).toThrow(
      /args\.platform = "acme-audit" is not a known platform\. Fix: use one of ascera, .*drata.*, or pass a definition/,
    );
  });

  it("plans the same token for a definition as the stack file's platforms: key gives the program", () => {
    const token = planComponentToken("acme", ACME_AUDIT, { accounts: [ACME_CORP] }, "dev", new Date("2026-12-07T00:00:00Z"));
    expect(token).toMatchObject({
      platform: "acme-audit",
      profile: "default",
      owner: { kind: "account", accountId: ACME_CORP },
      name: "cfct dev acme",
    });
    expect(() =>
      planComponentToken("acme", ACME_AUDIT, { accounts: [ACME_CORP, "fca1dc0809e072ce2cf9eb2831e0e03b"] }, "dev", new Date()),
    ).toThrow(/account-owned and belong to exactly one account/);
  });
});
