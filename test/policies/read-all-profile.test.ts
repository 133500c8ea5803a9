import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN_TYPE, COMPLIANCE_TOKEN_TYPE } from "../../policies/rules/common";
import { readAllProfile } from "../../policies/rules/read-all-profile";
import { ACME_CORP, ACME_LABS } from "../helpers/settings";
import { byName, compliantProdConfig, deploy, type FakeResource } from "./fixtures";
import { runResource } from "./harness";

let prod: FakeResource[];
let readAll: FakeResource[];
beforeAll(async () => {
  prod = await deploy("prod", compliantProdConfig());
  readAll = await deploy("dev", { connections: [{ platform: "ascera", profile: "read-all", accounts: [ACME_LABS], zones: "all" }] });
});

describe("read-all-profile (advisory)", () => {
  it("is advisory", () => {
    expect(readAllProfile.name).toBe("read-all-profile");
    expect(readAllProfile.enforcementLevel).toBe("advisory");
  });

  it("stays quiet for least-privilege and guide profiles", async () => {
    for (const component of prod.filter((r) => r.type === COMPLIANCE_TOKEN_TYPE)) {
      expect((await runResource(readAllProfile, component)).messages).toEqual([]);
    }
  });

  it("warns when a ComplianceToken uses read-all, counting its groups and pointing at least privilege", async () => {
    const component = byName(readAll, COMPLIANCE_TOKEN_TYPE, "ascera-fca1dc08-g1");
    const groups = (component.inputs as { policies: { permissionGroups: unknown[] }[] }).policies.flatMap((p) => p.permissionGroups).length;
    expect(groups).toBeGreaterThan(50);
    const { messages } = await runResource(readAllProfile, component);
    expect(messages).toEqual([
      `ComplianceToken "ascera-fca1dc08-g1" uses the read-all profile (${groups} Read groups): read-only but not least privilege. ` +
        "Fix: drop `profile: read-all` from the connection to use the platform's least-privilege default (docs/platforms.md: \"Why ASCERA's default is not the guide's 'Read all resources'\").",
    ]);
  });

  it("for a platform whose vendor recommends the template, points at its page's narrower list, or at a platform of your own", async () => {
    const resources = await deploy("dev", {
      connections: [
        { platform: "scytale", accounts: [ACME_CORP], zones: "all" },
        { platform: "iru", accounts: [ACME_CORP], zones: "all" },
      ],
    });
    const fixOf = async (name: string) =>
      (await runResource(readAllProfile, byName(resources, COMPLIANCE_TOKEN_TYPE, name))).messages[0]!.replace(/^.* Fix: /, "");
    expect(await fixOf("scytale-g1")).toBe(
      "set `profile: custom` on the connection, the narrower list Scytale's page gives (`cfct platforms show scytale --profile custom`).",
    );
    expect(await fixOf("iru-417daa9d-g1")).toBe(
      'Iru\'s page names no narrower set; define a platform of your own in the stack file with the groups it needs (docs/platforms.md: "Platforms defined in the stack file").',
    );
  });

  it("checks only the component (the provider token does not know its profile)", async () => {
    expect((await runResource(readAllProfile, byName(readAll, ACCOUNT_TOKEN_TYPE, "ascera-fca1dc08-g1"))).notApplicable).toBeDefined();
  });
});
